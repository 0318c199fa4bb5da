"""Thin Faust wiring: topics in, `pipeline.process` in a process pool, topics out."""

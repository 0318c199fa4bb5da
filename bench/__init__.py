"""Benchmark scripts; results go to docs/benchmarks.md."""

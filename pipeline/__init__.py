"""Pure processing stages: no Kafka, no asyncio, no Faust, no environment reads.

cleaning -> (dedupe) -> entities -> policy, composed by `pipeline.process.enrich`.
"""

__version__ = "0.1.0"

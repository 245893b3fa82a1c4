"""Corpus-scale runs: analyse many articles into Parquet tables, resumably, here or on Ray, and
query the result (the ``batch`` extra: pyarrow, duckdb, matplotlib, ray).

    from propscan.batch import run_batch, corpus_stats
"""

from __future__ import annotations

from .run import BATCH_SIZE, CHUNK_SIZE, BatchResult, run_batch

__all__ = ["BATCH_SIZE", "CHUNK_SIZE", "BatchResult", "run_batch"]

"""Benchmarks for the X12 engine; run ``python -m benchmarks.x12_bench`` from the project root."""

"""Benchmarks at practice scale: a synthetic-practice generator and a runner (see README.md)."""

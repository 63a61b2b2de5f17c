"""Benchmark harness: the same trivial job through several job systems, side by side.

``python -m bench`` starts a private ``redis-server``, runs each system under test (an adapter in
``bench/systems/``) through the same phases (``bench/phases/``), and prints one table that it
also writes to ``BENCHMARKS.md``. Everything is bounded by a count and a time limit.
"""

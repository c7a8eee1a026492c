"""Benchmarks and their text generator.

A regular package so that `bench.unique_text` is one module whichever way it is reached:
the scripts put the repository root first on `sys.path`, where this package is found
before `bench/bench.py` (which a namespace package would lose to).
"""

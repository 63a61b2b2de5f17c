"""Systems under test: one adapter module each (see :mod:`bench.systems.base`)."""

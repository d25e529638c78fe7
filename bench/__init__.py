"""Benchmarks (``make bench``): speed and scale, never run by ``make test``."""

"""Benchmarks: `make bench` prints one table. Loads target 127.0.0.1 only and are bounded."""

"""Benchmarks: each prints one line per figure with its ratio against the seed article's programs."""

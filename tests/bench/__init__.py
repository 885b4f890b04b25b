"""Benchmarks (`make bench`): measured and printed, never timed assertions."""

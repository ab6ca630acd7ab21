"""Benchmark scripts: run each as ``python bench/<name>.py``; they print tables for docs/performance.md."""

"""Benchmarks for the clinic site: build time and Lighthouse (results in docs/benchmarks.md)."""

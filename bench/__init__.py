"""Benchmarks of the console: WebSocket fan-out and durable commands, each against a bare baseline.

Run with `make bench` or `.venv/bin/python -m bench [--quick] [--only fanout|commands]`.
Figures are printed, never asserted; see bench/README.md for what each one means.
"""

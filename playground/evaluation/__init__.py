"""Evaluation: metrics and evaluation sets shared by tests, benchmarks and (later) the Evaluate tab."""

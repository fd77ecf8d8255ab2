"""Deterministic orchestration of validation cases."""

"""Synthetic delivery generator with ground truth."""

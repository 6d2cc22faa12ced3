"""Interval-based models: features from fixed intervals of each series."""

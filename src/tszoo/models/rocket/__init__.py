"""Convolution-kernel models: thin adapters over aeon's Rocket family."""

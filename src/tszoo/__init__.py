"""tszoo: leak-free classification of multichannel time series."""

__version__ = "0.1.0"

"""tszoo: leak-free classification of multichannel time series."""

import os

__version__ = "0.1.0"

# aeon's Rocket kernels run on numba. numba's default OpenMP threading layer and PyTorch's
# own OpenMP runtime contend for the cores once both have run in one process: training a
# small network after a MiniRocket fit took 7.3 s instead of 2.8 s on 2 cores. numba's
# "workqueue" layer has no such clash (3.2 s). It must be chosen before numba starts; an
# explicit NUMBA_THREADING_LAYER from the user wins.
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

__all__ = ["__version__", "register"]


def __getattr__(name: str):
    # ``tszoo.register`` without importing the models (scikit-learn) when tszoo is imported:
    # the CLI imports this package first and should start fast.
    if name == "register":
        from tszoo.models.registry import register

        return register
    raise AttributeError(f"module 'tszoo' has no attribute {name!r}")

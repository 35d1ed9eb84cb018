"""The drug-market model: ``DrugMarketModel`` and ``simulate``."""

import os
from pathlib import Path

# numba's on-disk cache of the compiled kernels: one place for every entry point (make, the command line,
# the app, the tests, a notebook), outside the source tree, so the kernels compile once per machine.
# Set before any kernel module imports numba (numba reads it once, at import); NUMBA_CACHE_DIR overrides it.
CACHE_DIR = os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "drugmarket" / "numba"))


def __getattr__(name):
    # imported lazily so that light modules (params, scenario) load without numba compiling
    if name == "DrugMarketModel":
        from model.model import DrugMarketModel
        return DrugMarketModel
    if name == "simulate":
        from model.run import simulate
        return simulate
    raise AttributeError(name)


__all__ = ["DrugMarketModel", "simulate"]

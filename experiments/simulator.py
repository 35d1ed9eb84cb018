"""The function that runs one simulation: ``model.simulate`` unless another is given.

Every experiment calls ``simulate(scenario, seed) -> DataFrame``. Tests pass cheap
deterministic fakes as callables; the command line's hidden testing hook
(``--simulate module:function`` or ``DRUGMARKET_SIMULATE``) passes one by name,
which is imported here, once, in the process that starts the run. Worker processes
and Dask workers then receive the function itself: a function defined at the top
level of a module is pickled by reference, so they import it from its module.
"""

from __future__ import annotations

import importlib
from typing import Callable

from .errors import ExperimentError

#: what the manifest records when ``model.simulate`` ran the simulations
DEFAULT_SIMULATE = "model:simulate"

_BY_NAME: dict[str, Callable] = {}


def resolve_simulate(spec: str | Callable | None) -> Callable:
    """The simulate function: a callable as is, ``"module:function"`` imported, None ->
    ``model.simulate``. Raises ExperimentError if it cannot be imported."""
    if spec is None:
        return default_simulate()
    if callable(spec):
        return spec
    if spec not in _BY_NAME:
        _BY_NAME[spec] = _import_by_name(str(spec))
    return _BY_NAME[spec]


def default_simulate() -> Callable:
    """``model.simulate``."""
    from model import simulate  # here, not at the top: importing experiments must not load the model

    return simulate


def _import_by_name(spec: str) -> Callable:
    mod_name, sep, attr = spec.partition(":")
    if not sep or not mod_name or not attr:
        raise ExperimentError(f"simulate must be given as module:function, got {spec!r}")
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as exc:
        raise ExperimentError(f"cannot import {mod_name} (for {spec}): {exc}") from exc
    try:
        fn = getattr(mod, attr)
    except AttributeError:
        raise ExperimentError(f"{mod_name} has no function {attr!r} (for {spec})") from None
    if not callable(fn):
        raise ExperimentError(f"{spec} is not callable")
    return fn


def simulate_name(simulate: str | Callable | None) -> str:
    """What ran the simulations, for the manifest (``model:simulate`` unless a test replaced it)."""
    if simulate is None:
        return DEFAULT_SIMULATE
    if isinstance(simulate, str):
        return simulate
    return f"{getattr(simulate, '__module__', '?')}:{getattr(simulate, '__qualname__', repr(simulate))}"

"""What the app's sessions share, process-wide: the shipped world, the burned-in templates, and the status
quo runs.

Burned-in models are kept as read-only templates keyed by (preset, seed); every
session works on deep copies (two browser sessions never share a model, and a Reset
costs a copy, not a burn-in; a copy steps bit-identically to a fresh model with the
same seed). The status quo of a seed is the same run for every session: a
:class:`StatusQuoRun` steps it once per server, as far as any session needs it, and
sessions read its rows. viz/state.py holds the sessions themselves.
"""

from __future__ import annotations

import copy
import threading
import weakref
from collections import OrderedDict
from typing import Any

#: burned-in templates kept per process
MAX_TEMPLATES = 16
#: shared status quo runs kept per process (each holds a model and up to 240 months of output rows); a run
#: dropped here lives on while a session still reads it
MAX_STATUS_QUO_RUNS = 8



# --------------------------------------------------------------------------- burned-in templates
_templates: OrderedDict[tuple[str, int], Any] = OrderedDict()
_templates_lock = threading.Lock()
_shared: dict[str, Any] = {}
# every model built or copied here, while something still references it: the census of what the server
# holds (viz/state.py's census; viz/sessions.py logs it after browser sessions close)
_all_models: weakref.WeakSet = weakref.WeakSet()


def _world_and_baseline():
    """The shipped world and its calibration, computed once per process (read-only)."""
    if "world" not in _shared:
        from model.calibrate import calibrate
        from model.params import defaults
        from model.world import load_world

        world = load_world()
        _shared["baseline"] = calibrate(world, defaults())
        _shared["world"] = world
    return _shared["world"], _shared["baseline"]


def world_countries() -> frozenset[str]:
    """The names of the shipped world's countries (what a per-country switch may name)."""
    from model.world import load_world

    if "countries" not in _shared:
        _shared["countries"] = frozenset(load_world().country_names)
    return _shared["countries"]


def burned_in(preset: str, seed: int):
    """A new model of the status quo at month 0 (after the burn-in): a private copy of a template."""
    from model.model import DrugMarketModel
    from model.scenario import Scenario

    key = (preset, int(seed))
    with _templates_lock:
        m = _templates.get(key)
        if m is None:
            world, baseline = _world_and_baseline()
            m = DrugMarketModel(Scenario(name="status-quo", preset=preset), seed=int(seed), world=world,
                                baseline=baseline)
            m.run(0)
            _all_models.add(m)
            _templates[key] = m
            while len(_templates) > MAX_TEMPLATES:
                _templates.popitem(last=False)
        else:
            _templates.move_to_end(key)
        c = copy.deepcopy(m)
    _all_models.add(c)
    return c


# --------------------------------------------------------------------------- the shared status quo
class StatusQuoRun:
    """The status quo of one (preset, seed) from month 0, stepped once per server as far as any session
    needs it; sessions read its rows (one dict of outputs a month) and never touch its model."""

    def __init__(self, preset: str, seed: int):
        self.preset, self.seed = preset, int(seed)
        self.model = burned_in(preset, seed)
        self.rows: list[dict] = []
        self.lock = threading.Lock()

    def row(self, month: int) -> dict:
        """The outputs of month ``month`` (1-based), stepping the model there if no session has yet."""
        with self.lock:
            while len(self.rows) < month:
                self.model.step()
                self.rows.append(self.model.outputs[-1])
            return self.rows[month - 1]

    def run_ahead(self, months: int) -> None:
        """Step to ``months`` one month at a time (a session's step can take the lock in between)."""
        while len(self.rows) < months:
            self.row(len(self.rows) + 1)


_status_quo_runs: OrderedDict[tuple[str, int], StatusQuoRun] = OrderedDict()


def status_quo_run(preset: str, seed: int) -> StatusQuoRun:
    """The shared status quo run of (preset, seed), built (from the burned-in template) on first use."""
    key = (preset, int(seed))
    with _templates_lock:
        run = _status_quo_runs.get(key)
        if run is not None:
            _status_quo_runs.move_to_end(key)
            return run
    run = StatusQuoRun(preset, seed)  # the burn-in, outside the lock
    with _templates_lock:
        run = _status_quo_runs.setdefault(key, run)
        _status_quo_runs.move_to_end(key)
        while len(_status_quo_runs) > MAX_STATUS_QUO_RUNS:
            _status_quo_runs.popitem(last=False)
        return run

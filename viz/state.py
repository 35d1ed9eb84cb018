"""One browser session's simulation: the policy on the page and the status quo, over an ensemble of seeds.

A :class:`Session` runs, for each seed ``seed, seed + 1, ...``, the page's policy
against the status quo with the same seed (common random numbers, so their difference
is the policy's effect, not noise). The policy models are the session's own. The
status quo of a seed is the same run for every session, so it is run once per server
(:class:`StatusQuoRun`, shared and read-only to sessions) and read month by month: a
session steps only its ``n_seeds`` policy models, and the server's warm-up runs the
default seeds' status quo ahead (viz/app.py), so that a participant's Play costs half.

Each model starts from the end of the burn-in (which runs under the status quo,
whatever the policy), as a copy of a burned-in template (viz/templates.py: the
templates and the status quo runs are what sessions share).

Levers moved on the page apply to the policy models from their next month on, like
a scenario's events; they are logged in ``Session.changes``.

All methods are thread-safe (the play loop steps from its own thread).
"""

from __future__ import annotations

import copy
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.policy import PROGRAMS, STATUS_QUO_BUDGET, SWITCHES
from model.presets import PRESETS
from viz import templates, validate
from viz.presets import Card
# the shared parts, also importable from here
from viz.templates import (MAX_STATUS_QUO_RUNS, MAX_TEMPLATES, StatusQuoRun, burned_in,  # noqa: F401
                           status_quo_run, world_countries)

#: the agent scale of the app (model/presets.py); ``drugmarket app --preset`` sets it through this variable
PRESET_ENV = "DRUGMARKET_APP_PRESET"
DEFAULT_PRESET = "workshop"
DEFAULT_SEED = 1
#: 2 seeds: 2 policy models a step (the status quo is shared; benchmarks/app_step.py); the page offers up to
#: validate.ENSEMBLE_MAX seeds
DEFAULT_ENSEMBLE = 2
#: months a session may run (20 years); play stops there
MAX_MONTHS = 240
ARMS = ("policy", "status_quo")
def app_preset() -> str:
    p = os.environ.get(PRESET_ENV, DEFAULT_PRESET)
    return p if p in PRESETS else DEFAULT_PRESET


# --------------------------------------------------------------------------- what the server holds
# every Session while something still references it: the census of what the server holds
_all_sessions: weakref.WeakSet = weakref.WeakSet()


def census() -> dict[str, int]:
    """How many sessions and models this process still holds (alive = still referenced somewhere)."""
    sessions = list(_all_sessions)
    with templates._templates_lock:
        n_templates = len(templates._templates)
        n_runs = len(templates._status_quo_runs)
    return {"sessions_alive": len(sessions), "sessions_open": sum(not s.closed for s in sessions),
            "models_alive": len(templates._all_models), "templates": n_templates, "status_quo_runs": n_runs,
            "models_in_open_sessions": sum(s.n_models for s in sessions if not s.closed)}


# --------------------------------------------------------------------------- the levers
@dataclass
class Levers:
    """What the page's controls say: budgets (USD a year), switches, and per-country switch overrides
    (which only a policy card sets; moving a switch on the page applies it everywhere)."""

    budget: dict[str, float] = field(default_factory=lambda: dict(STATUS_QUO_BUDGET))
    switches: dict[str, Any] = field(default_factory=lambda: dict(SWITCHES))
    countries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return float(sum(self.budget.values()))

    def matches(self, card: Card) -> bool:
        return (all(abs(self.budget[p] - card.budget[p]) < 0.5e6 for p in PROGRAMS)
                and all(self.switches[k] == card.switches[k] for k in SWITCHES)
                and self.countries == card.countries)

    def overrides(self, switch: str) -> dict[str, Any]:
        """country -> value, where a card overrides ``switch`` for a country."""
        return {c: o[switch] for c, o in sorted(self.countries.items()) if switch in o}


@dataclass
class Snapshot:
    """What the views draw, copied out of the models under the session's lock.

    ``policy[col]`` and ``status_quo[col]`` are arrays (seeds x months) of the output
    column ``col``; ``map`` holds the first seed's policy model's network state."""

    version: int
    month: int
    seeds: list[int]
    policy: dict[str, np.ndarray]
    status_quo: dict[str, np.ndarray]
    columns: list[str]
    map: dict[str, Any]
    changes: list[tuple[int, str]]

    def has(self, col: str) -> bool:
        return col in self.policy


class Session:
    """The simulation of one browser session (see the module's docstring)."""

    def __init__(self, preset: str | None = None, seed: int = DEFAULT_SEED, n_seeds: int = DEFAULT_ENSEMBLE,
                 levers: Levers | None = None):
        self.preset = preset if preset in PRESETS else app_preset()
        self.lock = threading.RLock()
        self.levers = levers or Levers()
        self.seed = validate.seed(seed)
        self.n_seeds = validate.ensemble_size(n_seeds)
        self.version = 0
        self.generation = 0  # +1 at each reset: a play loop of an earlier run must not step this one
        self.changes: list[tuple[int, str]] = []
        self.policy_models: list = []
        self.status_quo_runs: list[StatusQuoRun] = []  # shared with other sessions: read only
        self.last_step_seconds = float("nan")
        self.closed = False
        self.notice = ""  # set by the page: what its share link held that could not be used
        self._snapshot: Snapshot | None = None
        self._columns: list[str] = []
        self._series: dict[str, dict[str, np.ndarray]] = {}
        _all_sessions.add(self)
        self.reset()

    # -- building and stepping
    @property
    def seeds(self) -> list[int]:
        return [self.seed + i for i in range(self.n_seeds)]

    @property
    def month(self) -> int:
        return self.policy_models[0].t if self.policy_models else 0

    @property
    def n_models(self) -> int:
        """The models this session owns (its policy models; the status quo runs are shared)."""
        return len(self.policy_models)

    def close(self) -> int:
        """Free the models and arrays (the browser session has gone); returns how many models it dropped.

        Idempotent. Afterwards step and reset do nothing and the snapshot is empty, so a render or a
        play loop that races the close finds nothing to step and nothing to fail on."""
        with self.lock:
            n = self.n_models
            self.closed = True
            self.policy_models, self.status_quo_runs = [], []
            self._columns, self._series = [], {}
            self._snapshot = None
            self.version += 1
            self.generation += 1
            return n

    def _policy_scenario(self):
        from model.scenario import Scenario, set_value

        s = Scenario(name="page-policy", preset=self.preset)
        for p in PROGRAMS:
            set_value(s, f"policy.budget.{p}", float(self.levers.budget[p]))
        for k, v in self.levers.switches.items():
            set_value(s, f"policy.{k}", v)
        s.policy.countries = copy.deepcopy(self.levers.countries)  # validated when the card was read
        return s

    def reset(self, seed: int | None = None, n_seeds: int | None = None) -> None:
        """Start again at month 0 with the page's levers (and a new seed or ensemble size if given)."""
        seed = self.seed if seed is None else validate.seed(seed)
        n_seeds = self.n_seeds if n_seeds is None else validate.ensemble_size(n_seeds)
        seeds = [seed + i for i in range(n_seeds)]
        if self.closed:
            return
        runs = [status_quo_run(self.preset, s) for s in seeds]  # the slow part (a burn-in), outside the lock
        policy_models = [burned_in(self.preset, s) for s in seeds]
        with self.lock:
            if self.closed:  # closed during the burn-in: keep nothing
                return
            for m in policy_models:  # the levers as they are now (they may have moved during the burn-in)
                m.scenario = self._policy_scenario()
            self.seed, self.n_seeds = seed, n_seeds
            self.policy_models, self.status_quo_runs = policy_models, runs
            self.changes = []
            self._columns, self._series = [], {}
            self.version += 1
            self.generation += 1
            self._snapshot = None

    def step(self, months: int = 1, generation: int | None = None) -> bool:
        """Advance every model ``months`` months; False (and no step) at MAX_MONTHS, or if the session
        was reset since ``generation`` (given by a play loop)."""
        months = validate.months(months)
        with self.lock:
            if self.closed or self.month >= MAX_MONTHS or (generation is not None and generation != self.generation):
                return False
            t0 = time.perf_counter()
            n = min(months, MAX_MONTHS - self.month)
            for _ in range(n):
                for m in self.policy_models:
                    m.step()
                self._record()
            self.last_step_seconds = (time.perf_counter() - t0) / n
            self.version += 1
            self._snapshot = None
            return True

    @property
    def at_end(self) -> bool:
        return self.month >= MAX_MONTHS

    # -- levers
    def _apply(self, key: str, value: Any) -> None:
        from model.scenario import set_value

        for m in self.policy_models:
            set_value(m.scenario, key, value)  # the models' policy is their scenario's from month 1 on

    def _log(self, key: str, text: str) -> None:
        """Log a lever change at the next month; a later change of the same lever that month replaces it."""
        month = self.month + 1
        self.changes = [(mo, t) for mo, t in self.changes if not (mo == month and t.startswith(key + ":"))]
        self.changes.append((month, f"{key}: {text}"))

    def set_budget(self, program: str, usd: Any) -> float:
        """Set one program's budget (USD a year, clamped); returns the value used."""
        program = validate.program(program)
        usd = validate.budget_usd(usd)
        with self.lock:
            if usd == self.levers.budget[program]:
                return usd
            self.levers.budget[program] = usd
            self._apply(f"policy.budget.{program}", usd)
            self._log(program, f"USD {usd / 1e6:,.0f} million a year")
            self._snapshot = None
        return usd

    def set_switch(self, name: str, value: Any) -> Any:
        """Set a switch everywhere (a card's per-country overrides of it end)."""
        value = validate.switch(name, value)
        with self.lock:
            if value == self.levers.switches[name] and not self.levers.overrides(name):
                return value
            self.levers.switches[name] = value
            self._apply(f"policy.{name}", value)
            self.levers.countries = {c: {k: v for k, v in o.items() if k != name}
                                     for c, o in self.levers.countries.items()}
            self.levers.countries = {c: o for c, o in self.levers.countries.items() if o}
            self._set_countries()
            self._log(name, str(value).lower() if isinstance(value, bool) else value)
            self._snapshot = None
        return value

    def _set_countries(self) -> None:
        for m in self.policy_models:
            m.scenario.policy.countries = copy.deepcopy(self.levers.countries)

    def apply_card(self, card: Card) -> None:
        with self.lock:
            for p in PROGRAMS:
                self.set_budget(p, card.budget[p])
            for k in SWITCHES:
                self.set_switch(k, card.switches[k])
            self.levers.countries = copy.deepcopy(card.countries)
            self._set_countries()
            # one log line for the card instead of one per lever (and a later card the same month replaces it)
            month = self.month + 1
            keys = (*PROGRAMS, *SWITCHES, "policy card")
            self.changes = [(mo, t) for mo, t in self.changes if not (mo == month and t.split(":")[0] in keys)]
            self.changes.append((month, f"policy card: {card.title}"))

    def band_request(self):
        """The question the parameter band answers (viz/band.py): this page's levers as they are now, from
        month 1, at its scale and seeds, over the months run so far."""
        from viz import band

        with self.lock:
            return band.BandRequest(self.preset, tuple(self.seeds), self.month, self._policy_scenario().to_dict(),
                                    band.PLAN)

    # -- what the views draw
    def _record(self) -> None:
        """Copy the latest month's outputs of every model into the session's arrays (called after each step)."""
        first = self.policy_models[0]
        if not first.outputs:
            return
        if not self._columns:
            row = first.outputs[-1]
            self._columns = [c for c, v in row.items()
                             if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)]
            shape = (self.n_seeds, MAX_MONTHS)
            self._series = {arm: {c: np.full(shape, np.nan) for c in self._columns} for arm in ARMS}
        t = first.t - 1
        rows = {"policy": [m.outputs[-1] for m in self.policy_models],
                "status_quo": [run.row(first.t) for run in self.status_quo_runs]}
        for arm in ARMS:
            store = self._series[arm]
            for i, row in enumerate(rows[arm]):
                for c in self._columns:
                    store[c][i, t] = row.get(c, np.nan)

    def snapshot(self) -> Snapshot:
        """The views' data (copied: the play loop may step while a view draws)."""
        with self.lock:
            if self._snapshot is not None and self._snapshot.version == self.version:
                return self._snapshot
            n = self.month
            if self.closed or not self.policy_models:
                return Snapshot(version=self.version, month=0, seeds=self.seeds, policy={}, status_quo={}, columns=[],
                                map={}, changes=[])
            arms = {arm: {c: a[:, :n].copy() for c, a in self._series.get(arm, {}).items()} for arm in ARMS}
            snap = Snapshot(version=self.version, month=n, seeds=self.seeds, policy=arms["policy"],
                            status_quo=arms["status_quo"], columns=list(self._columns),
                            map=map_state(self.policy_models[0]), changes=list(self.changes))
            self._snapshot = snap
            return snap


def map_state(m) -> dict[str, Any]:
    """The network's state of the model's last month: flows per edge, seizures and activity per country."""
    flows: dict[tuple[str, str], float] = {}
    routes = m.markets.routes
    for pth, kg in routes.flow.items():
        for a, b in zip(pth[:-1], pth[1:]):
            flows[(a, b)] = flows.get((a, b), 0.0) + float(kg)
    seized: dict[str, float] = {}
    for (_drug, c), kg in routes.seized_by.items():
        seized[c] = seized.get(c, 0.0) + float(kg)
    f = m.farmers.households
    ill = np.bincount(f.country, weights=f.illicit, minlength=len(f.countries))
    cultivation = {}
    for ci, (c, _crop) in enumerate(f.countries):
        cultivation[c] = cultivation.get(c, 0.0) + float(ill[ci])
    counts = m.users.people_counts()
    from model.users.states import DEPENDENT, TREATMENT

    use = {mk: float((counts[mi, :, DEPENDENT].sum() + counts[mi, :, TREATMENT].sum()) * m.users.people.scale)
           for mi, mk in enumerate(m.users.markets)}
    return {"countries": list(m.world.countries), "edges": list(m.world.graph.edges), "flows": flows,
            "seized": seized, "cultivation": cultivation, "use": use, "roles": dict(m.world.roles)}

"""How sure is this: the range of the page's policy effect over parameter draws (the cards' parameter band).

The page's cards show the policy's effect with the model's parameters at their defaults, and a band over
the seeds (chance). This module runs the same comparison with :data:`BAND_DRAWS` parameter draws, the
draws of ``drugmarket compare --draws`` (experiments/draws.py samples them, experiments/runner.py's
``draw_tasks`` applies them; nothing is sampled here): draw ``k`` is the same set of values as in the
command line, with the same draws seed and grades. Each (draw, seed) is a pair: the page's policy and the
status quo, both with draw ``k``'s values and seed ``s``, at the page's scale and over the months run so
far. A lever (a budget or a switch) is the policy's in every draw, and a parameter the policy sets itself
is not redrawn.

The band of an outcome is experiments/intervals.py's parameter interval of the paired effect (the 5% and
95% quantiles of the per-draw means over the seeds), with the outcome computed by the cards' own rule
(viz/summary.py). A draw whose values cannot reproduce the calibration year fails in both arms and is left
out, as on the command line.

The runs happen in one worker process per server (viz/band_worker.py), so the page and the play loops
keep their core. That process keeps the burned-in model of each (draw, seed) and the status quo runs
stepped so far (:func:`run_pair`): a second question with other levers runs only the policy arms. A
copy of a burned-in model steps exactly like a freshly built one, so the cache changes no number.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from experiments.draws import DrawPlan, make_plan
from experiments.intervals import two_intervals
from experiments.runner import draw_tasks

#: parameter draws behind the band: few, so that a 2-core laptop answers within minutes at the app's scale
BAND_DRAWS = 8
#: the command line's default draws seed and grades: the app's draw k is ``drugmarket compare --draws``'s
PLAN: DrawPlan = make_plan(BAND_DRAWS)
#: burned-in models and status quo runs the worker process keeps (each about 2 MB at the workshop scale)
MAX_CACHED = 48


@dataclass(frozen=True)
class Pair:
    """One (draw, seed): the status quo and the policy as scenario dicts with the draw's values."""

    draw: int
    seed: int
    status_quo: dict
    policy: dict


@dataclass(frozen=True)
class BandRequest:
    """What the band is computed for: the page's scale, seeds, months so far and policy (a scenario dict)."""

    preset: str
    seeds: tuple[int, ...]
    months: int
    policy: dict
    plan: DrawPlan = PLAN

    def same_question(self, other: "BandRequest | None") -> bool:
        """Whether ``other`` asks about the same policy, seeds and scale (the months may differ)."""
        return other is not None and (self.preset, self.seeds, self.plan) == (other.preset, other.seeds, other.plan) \
            and json.dumps(self.policy, sort_keys=True) == json.dumps(other.policy, sort_keys=True)


@dataclass
class ParamBand:
    """The parameter band of one outcome: the paired effect's 5%-95% range over the draws."""

    key: str
    low: float
    high: float
    n_draws: int
    lower: int   # draws in which the policy's value is below the status quo's (mean over the seeds)
    higher: int


@dataclass
class BandResult:
    request: BandRequest
    bands: dict[str, ParamBand]
    draws_used: list[int]
    draws_failed: dict[int, str] = field(default_factory=dict)


def status_quo_dict(preset: str, months: int) -> dict:
    from model.scenario import Scenario

    return Scenario(name="status-quo", preset=preset, months=months).to_dict()


def pairs(req: BandRequest) -> list[Pair]:
    """The (draw, seed) pairs, draw by draw: the command line's tasks for [status quo, policy]."""
    pol = {**copy.deepcopy(req.policy), "name": "page-policy", "preset": req.preset, "months": req.months}
    tasks = draw_tasks([status_quo_dict(req.preset, req.months), pol], req.plan, list(req.seeds))
    n = len(tasks) // 2  # task id = (scenario x draws + draw) x seeds + seed: the policy's follow the status quo's
    out = []
    for sq, po in zip(tasks[:n], tasks[n:]):
        assert (sq.extra, sq.seed) == (po.extra, po.seed)
        out.append(Pair(sq.extra["draw"], sq.seed, sq.scenario, po.scenario))
    return out


# --------------------------------------------------------------------------- in the worker process
_lock = threading.Lock()
_burned: OrderedDict = OrderedDict()      # (preset, seed, params) -> burned-in model (read only)
_sq_runs: OrderedDict = OrderedDict()     # (preset, seed, params) -> [model, rows]


def _remember(cache: OrderedDict, key, value) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > MAX_CACHED:
        cache.popitem(last=False)


def _burned_in(preset: str, seed: int, params: dict):
    """A private copy of the model burned in under the status quo with ``params`` (built once per process)."""
    from model.model import DrugMarketModel
    from model.scenario import scenario_from_dict

    key = (preset, seed, json.dumps(params, sort_keys=True))
    m = _burned.get(key)
    if m is None:
        m = DrugMarketModel(scenario_from_dict({"name": "status-quo", "preset": preset, "params": params}),
                            seed=seed)
        m.run(0)
        _remember(_burned, key, m)
    return copy.deepcopy(m)


def _run(scenario: dict, seed: int, months: int) -> list[dict]:
    """The first ``months`` output rows of ``scenario`` with ``seed`` (the status quo's are kept)."""
    from model.scenario import scenario_from_dict

    sc = scenario_from_dict(scenario)
    key = (sc.preset, seed, json.dumps(scenario.get("params", {}), sort_keys=True))
    keep = scenario.get("name") == "status-quo" and not scenario.get("events")
    entry = _sq_runs.get(key) if keep else None
    if entry is None:
        m = _burned_in(sc.preset, seed, scenario.get("params", {}))
        m.scenario = sc  # the burn-in ran under the status quo; the scenario's policy applies from month 1
        entry = [m, m.outputs]
        if keep:
            _remember(_sq_runs, key, entry)
    m, rows = entry
    while len(rows) < months:
        m.step()
    return rows[:months]


def run_pair(pair: Pair, months: int) -> dict:
    """Run both arms of ``pair`` (in the worker process): {'status_quo': rows, 'policy': rows} of the outcome
    columns, or {'error': text} if the draw's values cannot be used (the calibration fails)."""
    from viz.summary import outcome_columns

    try:
        with _lock:
            sq = _run(pair.status_quo, pair.seed, months)
            pol = _run(pair.policy, pair.seed, months)
    except Exception as exc:  # noqa: BLE001 - a draw the model cannot calibrate: left out, named on the page
        return {"error": f"{type(exc).__name__}: {exc}"}
    cols = outcome_columns(list(sq[-1])) if sq else []
    return {arm: {c: np.array([r.get(c, np.nan) for r in rows], float) for c in cols}
            for arm, rows in (("status_quo", sq), ("policy", pol))}


# --------------------------------------------------------------------------- the band
def summarize(req: BandRequest, ps: list[Pair], runs: list[dict]) -> BandResult:
    """Each outcome's parameter band from the pairs' runs (in the order of :func:`pairs`)."""
    from viz.state import Snapshot
    from viz.summary import OUTCOMES, per_seed

    failed = {p.draw: r["error"] for p, r in zip(ps, runs) if "error" in r}
    ok = [(p, r) for p, r in zip(ps, runs) if p.draw not in failed]
    bands: dict[str, ParamBand] = {}
    if ok:
        cols = [c for c in ok[0][1]["policy"] if all(c in r["policy"] for _, r in ok)]
        arms = {arm: {c: np.stack([r[arm][c] for _, r in ok]) for c in cols} for arm in ("policy", "status_quo")}
        snap = Snapshot(version=0, month=req.months, seeds=[p.seed for p, _ in ok], policy=arms["policy"],
                        status_quo=arms["status_quo"], columns=cols, map={}, changes=[])
        draws = pd.Series([p.draw for p, _ in ok])
        for key, *_rest in OUTCOMES:
            both = per_seed(snap, key)
            if both is None:
                continue
            iv = two_intervals(pd.Series(both[0] - both[1]), draws)
            bands[key] = ParamBand(key, iv["param_low"], iv["param_high"], iv["n_draws"], iv["draws_negative"],
                                   iv["draws_positive"])
    return BandResult(req, bands, sorted({p.draw for p, _ in ok}), failed)

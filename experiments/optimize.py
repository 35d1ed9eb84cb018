"""``drugmarket optimize``: search budget allocations with Optuna for the one that does best.

Each trial is an allocation (:mod:`experiments.optimize_file` maps the sampler's point to budgets that
spend the total exactly); it runs the base scenario with those budgets on the spec's seeds (the same
seeds every trial: common random numbers, so two allocations differ by their effect, not by chance)
and scores it by the mean over seeds of each objective, an output column summed over the horizon
(minimised), a weighted index of columns (each divided by the base allocation's value), or the net
monetary benefit of the outcome ledger against the base allocation (maximised). The first trial is
the base allocation itself. One objective uses Optuna's TPE sampler; several, NSGA-II, and the result
is the Pareto front with the hypervolume of each trial's front (objectives divided by the base's, the
reference point at 1.5 times the base). The study is kept in OUT/study.journal (Optuna's journal
storage): a killed optimisation continues with ``--resume`` from the trials it finished.

A refinement (``refine = "cmaes"``, one objective) follows the search with CMA-ES warm-started from it
(Optuna's CmaEsSampler with ``source_trials``: the mean and spread of the search's best 10% of trials,
Nomura et al. 2021, "Warm starting CMA-ES for hyperparameter optimization", AAAI). TPE samples each
share on its own and stays broad; CMA-ES adapts a step size and the correlations between shares, so
it can close in on an optimum where the objective is flat in some directions and steep in others.

Writes to OUT: study.journal, trials.csv (one row a trial: budgets, objectives, feasibility), best.json
(the best allocation, or the Pareto front), convergence.png.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .errors import ExperimentError
from .ledger import ledger_values, per_run_ledger
from .optimize_file import OptimizeSpec
from .options import RunOptions
from .runner import run_scenarios
from .storage import atomic_write_bytes

JOURNAL = "study.journal"


@dataclass
class OptimizeResult:
    spec: OptimizeSpec
    trials: pd.DataFrame            # one row a finished trial
    best: list[dict]                # the best allocation, or the Pareto front
    base_objectives: list[float]    # the base allocation's objectives
    out: Path | None
    session: dict = field(default_factory=dict)  # wall and CPU seconds of this session, load average


def allocation(spec: OptimizeSpec, x: list[float]) -> dict[str, float]:
    """The budgets of the sampler's point ``x`` (one value in [0, 1] per programme): with a total, the money
    above the floors is shared by stick-breaking (the last value unused) or by weights (each programme's
    share its value over their sum), so the total is spent exactly."""
    progs = list(spec.programmes)
    floors = {p: spec.programmes[p][0] for p in progs}
    if spec.total is None:
        return {p: lo + xi * (spec.programmes[p][1] - lo) for (p, lo), xi in zip(floors.items(), x)}
    left = spec.total - sum(floors.values())
    if spec.search_space == "weights":  # each programme a weight; its share of the money is its weight / the sum
        w = [max(0.0, xi) for xi in x[:len(progs)]]
        total_w = sum(w)
        return {p: floors[p] + (wi / total_w if total_w > 0 else 1 / len(progs)) * left for p, wi in zip(progs, w)}
    out = {}
    for i, p in enumerate(progs):
        share = 1.0 if i == len(progs) - 1 else x[i]
        out[p] = floors[p] + share * left
        left -= share * left
    return out


def cap_violation(spec: OptimizeSpec, budgets: dict[str, float]) -> float:
    """USD a year above the caps, relative to the total (0 when the allocation is feasible)."""
    over = sum(max(0.0, b - spec.programmes[p][1]) for p, b in budgets.items())
    return over / max(1.0, spec.total or sum(hi for _, hi in spec.programmes.values()))


def _point(spec: OptimizeSpec, budgets: dict[str, float]) -> dict[str, float]:
    """The sampler's point that gives ``budgets`` (the inverse of :func:`allocation`), to enqueue it."""
    progs = list(spec.programmes)
    if spec.total is None:
        return {f"x_{p}": (budgets[p] - lo) / (hi - lo) if hi > lo else 0.0
                for p, (lo, hi) in spec.programmes.items()}
    left = spec.total - sum(lo for lo, _ in spec.programmes.values())
    if spec.search_space == "weights":  # the shares themselves are weights that sum to 1
        return {f"x_{p}": min(1.0, max(0.0, (budgets[p] - spec.programmes[p][0]) / left)) if left > 0 else 0.0
                for p in progs}
    point = {}
    for p in progs[:-1]:
        above = budgets[p] - spec.programmes[p][0]
        point[f"x_{p}"] = min(1.0, max(0.0, above / left)) if left > 0 else 0.0
        left -= above
    return point


class Evaluator:
    """Runs one allocation on the spec's seeds and scores it."""

    def __init__(self, spec: OptimizeSpec, options: RunOptions):
        self.spec, self.options = spec, options
        self.base_runs: pd.DataFrame | None = None
        self.n = 0

    def scenario(self, budgets: dict[str, float]) -> dict:
        sc = copy.deepcopy(self.spec.base)
        self.n += 1
        sc["name"] = f"{self.spec.name}-{self.n}"
        sc["policy"]["budget"].update(budgets)
        return sc

    def runs(self, budgets: dict[str, float]) -> pd.DataFrame:
        report = run_scenarios([self.scenario(budgets)], self.spec.seeds, self.options.but(out=None, progress=False),
                               kind="optimize")
        if report.n_failed:
            raise ExperimentError(f"a trial's run failed: {report.failure_summary()}")
        return report.results()

    def objectives(self, df: pd.DataFrame) -> list[float]:
        spec = self.spec
        if spec.objectives == ["net_monetary_benefit"]:
            base = self.base_runs if self.base_runs is not None else df
            v = ledger_values()
            a, b = per_run_ledger(df, v).set_index("seed"), per_run_ledger(base, v).set_index("seed")
            nmb = v["ledger.wtp_per_qaly_usd"] * (b["qalys_lost"] - a["qalys_lost"]) - (a["cost_total_usd"] -
                                                                                       b["cost_total_usd"])
            return [-float(nmb.mean())]  # minimised
        if spec.objectives == ["weighted_index"]:
            base = self.base_runs if self.base_runs is not None else df
            return [sum(w * _total(df, c) / max(_total(base, c), 1e-12) for c, w in spec.weights.items())]
        return [_total(df, c) for c in spec.objectives]


def _total(df: pd.DataFrame, column: str) -> float:
    if column not in df.columns:
        raise ExperimentError(f"objective {column!r} is not an output column (see columns.csv of any results folder)")
    return float(df.groupby("seed")[column].sum().mean())


def optimize(spec: OptimizeSpec, *, out: str | Path | None = None, options: RunOptions | None = None,
             resume: bool = False, overwrite: bool = False,
             on_trial: Callable[[int, list[float], list[float]], None] | None = None) -> OptimizeResult:
    """Run the study (or continue it with ``resume``) until the search's ``spec.trials`` trials and the
    refinement's ``spec.refine_trials`` have finished."""
    import optuna

    clock = _Clock()
    options = options or RunOptions(backend="serial")
    out = Path(out) if out is not None else Path("results") / spec.name
    journal = out / JOURNAL
    if journal.exists() and not (resume or overwrite):
        raise ExperimentError(f"{out} already holds an optimisation: --resume to continue it, --overwrite to "
                              "start again")
    if overwrite and journal.exists():
        journal.unlink()
    out.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(logging.WARNING)
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(journal)))
    sampler = {"tpe": lambda: optuna.samplers.TPESampler(seed=spec.sampler_seed),
               "nsga2": lambda: optuna.samplers.NSGAIISampler(seed=spec.sampler_seed),
               "random": lambda: optuna.samplers.RandomSampler(seed=spec.sampler_seed)}[spec.sampler]()
    study = optuna.create_study(study_name=spec.name, storage=storage, sampler=sampler, load_if_exists=True,
                                directions=["minimize"] * len(spec.objectives))
    ev = Evaluator(spec, options)
    base_budgets = {p: min(max(spec.base_budget(p), lo), hi) for p, (lo, hi) in spec.programmes.items()}
    ev.base_runs = ev.runs(base_budgets)
    base_obj = ev.objectives(ev.base_runs)
    if not study.trials:  # the first trial is today's allocation, then the candidates
        study.enqueue_trial(_point(spec, base_budgets), user_attrs={"start": "base"})
        for name, budgets in spec.candidates.items():
            study.enqueue_trial(_point(spec, budgets), user_attrs={"start": name})

    def objective(stage):
        def run(trial):
            x = [trial.suggest_float(f"x_{p}", 0.0, 1.0) for p in spec.programmes]
            budgets = allocation(spec, x)
            trial.set_user_attr("stage", stage)
            trial.set_user_attr("budgets", budgets)
            trial.set_user_attr("violation", cap_violation(spec, budgets))
            if stage == "search":  # CMA-ES has no constraints: its infeasible trials are kept, never chosen
                trial.set_constraint("caps", cap_violation(spec, budgets))  # feasible when <= 0
            values = ev.objectives(ev.runs(budgets))
            if on_trial:
                on_trial(trial.number, values, _best_values(trial.study, values))
            return values if spec.multi else values[0]
        return run

    spec.check_refine()
    if _complete(study) < spec.trials:
        study.optimize(objective("search"), n_trials=spec.trials - _complete(study), catch=())
    if _complete(study) < spec.all_trials:  # the refinement, a study of its own sampler on the same journal
        refine = optuna.create_study(study_name=spec.name, storage=storage, sampler=_refiner(spec, study),
                                     load_if_exists=True, directions=["minimize"])
        refine.optimize(objective("refine"), n_trials=spec.all_trials - _complete(study), catch=())
    return _result(spec, study, base_obj, out, clock.read())


def _complete(study) -> int:
    import optuna

    return sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


def _refiner(spec: OptimizeSpec, study):
    """CMA-ES warm-started from the search's feasible trials (their best 10% set its mean and spread); on
    ``--resume`` the sampler restores its state from the refinement's finished trials."""
    import warnings

    import optuna

    search = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE
              and t.user_attrs.get("stage") != "refine" and t.user_attrs.get("violation", 0.0) <= 0]
    with warnings.catch_warnings():  # source_trials is marked experimental in Optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.CmaEsSampler(source_trials=search, seed=spec.sampler_seed, n_startup_trials=0)


class _Clock:
    """Wall and CPU time (this process and its worker processes) and the machine's load, from its start:
    the cost of a session, written to best.json, since the machine may be shared."""

    def __init__(self):
        import os
        import time

        self.wall, self.cpu, self.load = time.perf_counter(), os.times(), _load()

    def read(self) -> dict:
        import os
        import time

        t = os.times()
        cpu = sum(getattr(t, k) - getattr(self.cpu, k) for k in ("user", "system", "children_user", "children_system"))
        return {"wall_seconds": round(time.perf_counter() - self.wall, 1), "cpu_seconds": round(cpu, 1),
                "cpus": _cpus(), "load_average_1min_start": self.load, "load_average_1min_end": _load()}


def _load() -> float | None:
    import os

    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):  # not on every platform
        return None


def _cpus() -> int:
    from .backends import cpu_count

    return cpu_count()


def _best_values(study, current: list[float]) -> list[float]:
    done = [t.values for t in study.trials if t.values is not None and t.user_attrs.get("violation", 0) <= 0]
    rows = done + [current]
    return [min(r[i] for r in rows) for i in range(len(current))]


def hypervolume(points: np.ndarray, base: list[float]) -> float:
    """Hypervolume of ``points`` (objectives to minimise) divided by the base's values, reference point 1.5."""
    from optuna._hypervolume import compute_hypervolume

    if not len(points):
        return 0.0
    scaled = np.asarray(points, float) / np.maximum(np.abs(base), 1e-12)
    ref = np.full(scaled.shape[1], 1.5)
    inside = scaled[(scaled < ref).all(axis=1)]
    return float(compute_hypervolume(inside, ref)) if len(inside) else 0.0


def _result(spec: OptimizeSpec, study, base_obj: list[float], out: Path, session: dict | None = None) -> OptimizeResult:
    import optuna

    rows = []
    for t in study.trials:
        if t.state != optuna.trial.TrialState.COMPLETE:
            continue
        values = t.values
        row = {"trial": t.number, "start": t.user_attrs.get("start", ""), "stage": t.user_attrs.get("stage", "search"),
               "feasible": t.user_attrs.get("violation", 0.0) <= 0}
        row.update({f"budget_{p}": b for p, b in t.user_attrs["budgets"].items()})
        row.update({f"objective_{o}": v for o, v in zip(spec.objectives, values)})
        rows.append(row)
    trials = pd.DataFrame(rows)
    feasible = trials[trials["feasible"]] if len(trials) else trials
    ocols = [f"objective_{o}" for o in spec.objectives]
    if spec.multi:
        front = [t for t in study.best_trials if t.user_attrs.get("violation", 0.0) <= 0]
        best = [{"trial": t.number, "budgets": t.user_attrs["budgets"], "objectives": dict(zip(spec.objectives, t.values))}
                for t in front]
        trials["hypervolume"] = [hypervolume(_front(feasible[feasible["trial"] <= n][ocols].to_numpy()), base_obj)
                                 for n in trials["trial"]]
    else:
        i = feasible[ocols[0]].idxmin()
        best = [{"trial": int(feasible.loc[i, "trial"]),
                 "budgets": {p: float(feasible.loc[i, f"budget_{p}"]) for p in spec.programmes},
                 "objectives": {spec.objectives[0]: float(feasible.loc[i, ocols[0]])}}]
        trials["best_so_far"] = trials[ocols[0]].where(trials["feasible"]).cummin()
    atomic_write_bytes(out / "trials.csv", trials.to_csv(index=False).encode())
    res = OptimizeResult(spec, trials, best, base_obj, out, session or {})
    atomic_write_bytes(out / "best.json", json.dumps(summary(res), indent=1).encode())
    _figure(spec, trials, out / "convergence.png")
    return res


def _front(points: np.ndarray) -> np.ndarray:
    keep = [i for i, p in enumerate(points) if not any((q <= p).all() and (q < p).any() for q in points)]
    return points[keep]


def summary(res: OptimizeResult) -> dict:
    """best.json and ``--json``: the best allocation (or the Pareto front), the base's and the candidates'
    objectives, and what this session cost."""
    spec, t = res.spec, res.trials
    base = {p: spec.base_budget(p) for p in spec.programmes}
    out = {"name": spec.name, "objectives": spec.objectives, "trials": len(t), "seeds": spec.seeds,
           "months": spec.base.get("months"), "preset": spec.base.get("preset"), "sampler": spec.sampler,
           "sampler_seed": spec.sampler_seed, "total": spec.total,
           "base": {"budgets": base, "objectives": dict(zip(spec.objectives, res.base_objectives))}}
    if spec.multi:
        out["pareto_front"] = res.best
        out["hypervolume"] = float(t["hypervolume"].iloc[-1]) if len(t) else 0.0
    else:
        out["best"] = res.best[0]
    if spec.refine != "none" and len(t):
        search = t[t["stage"] != "refine"]
        col = f"objective_{spec.objectives[0]}"
        i = search[col].where(search["feasible"]).idxmin()
        out["refine"] = {"sampler": spec.refine, "trials": int((t["stage"] == "refine").sum()),
                         "search_best": {"trial": int(search.loc[i, "trial"]), "objectives": {
                             spec.objectives[0]: float(search.loc[i, col])}}}
    if spec.candidates and len(t):
        rows = t[t["start"].isin(list(spec.candidates))]
        out["candidates"] = {r["start"]: {"trial": int(r["trial"]), "objectives": {
            o: float(r[f"objective_{o}"]) for o in spec.objectives}} for _, r in rows.iterrows()}
    out["session"] = res.session
    return out


def _figure(spec: OptimizeSpec, trials: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    if spec.multi:
        ax.plot(trials["trial"], trials["hypervolume"], marker=".")
        ax.set_ylabel("hypervolume (objectives / base, ref 1.5)")
    else:
        col = f"objective_{spec.objectives[0]}"
        ax.plot(trials["trial"], trials[col], ".", alpha=0.5, label="trial")
        ax.plot(trials["trial"], trials["best_so_far"], "-", label="best so far")
        if (trials["stage"] == "refine").any():
            ax.axvline(trials.loc[trials["stage"] == "refine", "trial"].min() - 0.5, color="grey", lw=0.8,
                       ls="--", label=f"refinement ({spec.refine})")
        ax.set_ylabel(spec.objectives[0])
        ax.legend()
    ax.set_xlabel("trial")
    ax.set_title(f"{spec.name}: convergence")
    fig.tight_layout()
    buf = path.with_suffix(".tmp.png")
    fig.savefig(buf, dpi=100)
    plt.close(fig)
    buf.replace(path)


def result_json(res: OptimizeResult) -> str:
    """What ``drugmarket optimize --json`` prints: one JSON object."""
    return json.dumps(summary(res))


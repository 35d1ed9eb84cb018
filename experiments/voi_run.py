"""``drugmarket voi``: which parameters' better data would most change the recommended policy.

A VOI file (TOML; experiments/voi/reform.toml documents every key) names a baseline, the policy
cards to choose among, the scale, the draws and seeds, and the objectives. The baseline and the cards
run as one comparison with parameter draws (:func:`experiments.compare.compare`: the same draws and
seeds for every option), then, for each objective (an outcome to minimise, e.g. overdose deaths), the
uncertain parameters' groups are ranked by their EVPPI (:mod:`experiments.voi`).

Groups: the parameters drawn, by the first part of their dotted name (``farmer.*``, ``market.*``,
``trafficker.*``, ``route.*``, ``precursor.*``, ``user.*``, ``agency.*``), unless the file names its
own under ``[groups]`` (a group: a list of parameter names, or prefixes ending in ".").

Writes to OUT, besides the comparison's files: ``voi.csv`` and ``voi.json`` (the ranking per
objective: group, parameters, EVPPI, its Monte Carlo error and noise floor) and
``effect_sensitivity.csv`` (PAWN indices of each policy's paired effect on each objective, for every
parameter drawn; :mod:`experiments.effect_sensitivity`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .draws import DrawPlan, make_plan, uncertain_parameters
from .errors import ExperimentError

VOI_DIR = Path(__file__).resolve().parent / "voi"
DEFAULT_FILE = VOI_DIR / "reform.toml"
#: outcome keys of experiments/compare.py that can be minimised, and how a VOI text names them
OBJECTIVES = {"overdose_deaths": "overdose deaths", "violence_deaths": "violence deaths",
              "new_hiv_pwid": "new HIV infections (PWID)", "people_with_sud": "people with SUD",
              "incarcerated": "people incarcerated"}
SLICES_TEXT = "4 slices of each parameter's range"
KEYS = ("name", "baseline", "policies", "preset", "months", "seeds", "draws", "draws_seed", "grades",
        "objectives", "bootstrap", "groups")


@dataclass
class VoiSpec:
    name: str
    baseline: str
    policies: list[str]
    preset: str = "tiny"
    months: int = 12
    seeds: int = 1
    draws: int = 40
    draws_seed: int | None = None
    grades: str = "ML"
    objectives: list[str] = field(default_factory=lambda: ["overdose_deaths", "violence_deaths"])
    bootstrap: int = 200
    groups: dict[str, list[str]] | None = None
    path: Path | None = None

    def plan(self) -> DrawPlan:
        return make_plan(self.draws, self.draws_seed, self.grades)


def _err(path: Path | None, key: str, what: str) -> ExperimentError:
    return ExperimentError(f"{path or '<voi>'}: {key}: {what}")


def load_voi(path: str | Path | None) -> VoiSpec:
    """Read and check a VOI file (None: the shipped reform file)."""
    path = Path(path) if path is not None else DEFAULT_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExperimentError(f"{path}: no such VOI file") from None
    except tomllib.TOMLDecodeError as e:
        raise ExperimentError(f"{path}: not valid TOML: {e}") from None
    for k in raw:
        if k not in KEYS:
            import difflib

            m = difflib.get_close_matches(k, KEYS, n=1)
            raise _err(path, k, "unknown key" + (f"; did you mean '{m[0]}'?" if m else f" (allowed: {', '.join(KEYS)})"))
    spec = VoiSpec(name=str(raw.get("name", path.stem)), baseline=str(raw.get("baseline", "status_quo")),
                   policies=list(raw.get("policies", [])), path=path)
    for k in ("preset", "grades"):
        if k in raw:
            if not isinstance(raw[k], str):
                raise _err(path, k, f"must be text, got {raw[k]!r}")
            setattr(spec, k, raw[k])
    for k, lo in (("months", 1), ("seeds", 1), ("draws", 2), ("bootstrap", 0), ("draws_seed", 0)):
        if k in raw:
            v = raw[k]
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise _err(path, k, f"must be a whole number >= {lo}, got {v!r}")
            setattr(spec, k, v)
    if not spec.policies:
        from .published.reform import proposals

        spec.policies = proposals()
    if "objectives" in raw:
        spec.objectives = list(raw["objectives"])
    for o in spec.objectives:
        if o not in OBJECTIVES:
            raise _err(path, "objectives", f"unknown objective {o!r}; allowed: {', '.join(OBJECTIVES)}")
    if "groups" in raw:
        spec.groups = _check_groups(path, raw["groups"])
    spec.plan()  # the grades and counts checked now
    return spec


def _check_groups(path: Path | None, groups: Any) -> dict[str, list[str]]:
    from model.params import PARAMS

    if not isinstance(groups, dict) or not groups:
        raise _err(path, "groups", "must be a table of group = [parameter names or prefixes ending in '.']")
    for g, names in groups.items():
        if not isinstance(names, list) or not names:
            raise _err(path, f"groups.{g}", "must be a non-empty list of parameter names or prefixes")
        for n in names:
            if not isinstance(n, str) or not (n in PARAMS or (n.endswith(".") and any(p.startswith(n) for p in PARAMS))):
                raise _err(path, f"groups.{g}", f"{n!r} is neither a parameter nor a prefix of one (ending in '.')")
    return groups


def parameter_groups(names: list[str], groups: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The drawn parameters ``names`` by group: the file's ``groups``, else by the first part of the name."""
    if groups is None:
        out: dict[str, list[str]] = {}
        for n in names:
            out.setdefault(n.split(".")[0] + ".*", []).append(n)
        return out
    return {g: [n for n in names if any(n == x or (x.endswith(".") and n.startswith(x)) for x in members)]
            for g, members in groups.items()}


@dataclass
class VoiResult:
    spec: VoiSpec
    table: pd.DataFrame  # one row per objective and group, ranked
    summary: dict  # per objective: the options' expected effects, the choice now, EVPI
    out: Path | None
    report: Any
    sensitivity: pd.DataFrame | None = None  # experiments.effect_sensitivity: PAWN of each effect


def run_voi(spec: VoiSpec, *, options=None, figure: bool = False, sensitivity_wanted: bool = True) -> VoiResult:
    """Run (or resume) the comparison with draws and rank the groups by EVPPI for each objective; with
    ``sensitivity_wanted``, also the global sensitivity of each policy's effect (PAWN on the draws)."""
    from model.scenario import load_scenario

    from .compare import compare
    from .storage import atomic_write_bytes, atomic_write_json

    over = [f"months={spec.months}", f'preset="{spec.preset}"']
    base = load_scenario(spec.baseline, over)
    pols = [load_scenario(p, over) for p in spec.policies]
    res = compare(base, pols, spec.seeds, figure=figure, options=options, draws=spec.plan())
    table, summary = analyse(spec, res.metrics, base.name, [p.name for p in pols])
    sens = sensitivity(spec, res.metrics, base.name, [p.name for p in pols]) if sensitivity_wanted else None
    out = res.out
    if out is not None:
        atomic_write_bytes(out / "voi.csv", table.to_csv(index=False).encode())
        atomic_write_json(voi_json(spec, table, summary), out / "voi.json")
        if sens is not None:
            atomic_write_bytes(out / "effect_sensitivity.csv", sens.to_csv(index=False).encode())
    return VoiResult(spec, table, summary, out, res.report, sens)


def sensitivity(spec: VoiSpec, metrics: pd.DataFrame, baseline: str, policies: list[str]) -> pd.DataFrame:
    """PAWN indices of each policy's paired effect on each objective (experiments/effect_sensitivity.py)."""
    from .compare import per_draw_effects
    from .draws import draw_values
    from .effect_sensitivity import effect_sensitivity

    plan = spec.plan()
    per_draw = per_draw_effects(metrics, baseline, policies)
    draws = sorted(per_draw["draw"].unique())
    names = uncertain_parameters(plan.grades)
    theta = pd.DataFrame([draw_values(d, plan.seed, plan.grades, names) for d in draws], index=draws)
    return effect_sensitivity(per_draw, theta, spec.objectives)


def analyse(spec: VoiSpec, metrics: pd.DataFrame, baseline: str, policies: list[str]) -> tuple[pd.DataFrame, dict]:
    """The EVPPI of every group for every objective from the per-run metrics of the comparison."""
    from .draws import draw_values
    from .voi import evpi, evppi_with_error

    plan = spec.plan()
    per_draw = metrics.groupby(["scenario", "draw"]).mean(numeric_only=True)
    draws = sorted(set(per_draw.loc[baseline].index))
    for p in policies:
        draws = [d for d in draws if d in per_draw.loc[p].index]
    if len(draws) < 5:
        raise ExperimentError(f"VOI needs at least 5 draws with every option finished, got {len(draws)}")
    names = uncertain_parameters(plan.grades)
    theta = pd.DataFrame([draw_values(d, plan.seed, plan.grades, names) for d in draws], index=draws)
    logx = np.log(theta.astype(float))
    groups = parameter_groups(names, spec.groups)
    rows, summary = [], {}
    options = [baseline, *policies]
    for obj in spec.objectives:
        if obj not in per_draw.columns:
            raise ExperimentError(f"objective {obj!r} is not an outcome of these runs")
        # net benefit: the outcome averted against the baseline, same draw (mean over the seeds)
        nb = np.vstack([(per_draw.loc[baseline, obj] - per_draw.loc[o, obj]).loc[draws].to_numpy() for o in options])
        means = nb.mean(axis=1)
        best = options[int(np.argmax(means))]
        wins = pd.Series(np.array(options)[nb.argmax(axis=0)]).value_counts()
        summary[obj] = {"label": OBJECTIVES[obj], "choice_now": best,
                        "expected_averted": dict(zip(options, map(float, means))),
                        "draws_best": {o: int(wins.get(o, 0)) for o in options},
                        "evpi": evpi(nb), "n_draws": len(draws)}
        for g, members in groups.items():
            r = evppi_with_error(logx[members].to_numpy(), nb, bootstrap=spec.bootstrap)
            rows.append({"objective": obj, "group": g, "n_parameters": len(members), **r})
    table = pd.DataFrame(rows)
    table["rank"] = table.groupby("objective")["evppi"].rank(ascending=False, method="first").astype(int)
    table = table.sort_values(["objective", "rank"], key=lambda s: s.map(spec.objectives.index)
                              if s.name == "objective" else s).reset_index(drop=True)
    return table, summary


def voi_json(spec: VoiSpec, table: pd.DataFrame, summary: dict) -> dict:
    """The ranking as ``--json`` prints it and voi.json holds it."""
    return {
        "name": spec.name, "baseline": spec.baseline, "policies": spec.policies, "preset": spec.preset,
        "months": spec.months, "draws": spec.draws, "seeds": spec.seeds, "draws_seed": spec.plan().seed,
        "grades": spec.grades, "bootstrap": spec.bootstrap,
        "objectives": {
            obj: {**summary[obj], "groups": [
                {"group": r.group, "n_parameters": int(r.n_parameters), "evppi": r.evppi, "se": r.se,
                 "noise_floor": r.noise_floor, "noise_95": r.noise_95, "p_value": r.p_value,
                 "informative": bool(r.evppi > r.noise_95), "rank": int(r.rank)}
                for r in table[table["objective"] == obj].itertuples()]}
            for obj in spec.objectives},
    }


def format_voi(res: VoiResult) -> str:
    """The ranking as text, one block per objective."""
    from .numbers import fmt_number

    s = res.spec
    lines = [f"value of information, {s.name}: {len(s.policies) + 1} options ({s.baseline} and {len(s.policies)} "
             f"policies), {s.draws} draws x {s.seeds} seed{'s' if s.seeds != 1 else ''}, {s.preset} preset, "
             f"{s.months} months; EVPPI in the objective's units over the horizon, +/- its Monte Carlo error "
             f"(bootstrap over the draws); noise floor: the EVPPI of the group's values shuffled across draws "
             f"(mean, 95th percentile, p-value of a permutation test)"]
    for obj in s.objectives:
        sm = res.summary[obj]
        lines.append(f"{sm['label']} (minimise): the choice now is {sm['choice_now']} "
                     f"({fmt_number(sm['expected_averted'][sm['choice_now']])} averted on average; best in "
                     f"{sm['draws_best'][sm['choice_now']]} of {sm['n_draws']} draws); EVPI {fmt_number(sm['evpi'])}")
        for r in res.table[res.table["objective"] == obj].itertuples():
            flag = "" if r.evppi > r.noise_95 else "  not distinguishable from no information"
            lines.append(f"  {r.rank}. {r.group:<14} {r.n_parameters:>3} parameters  EVPPI "
                         f"{fmt_number(r.evppi):>9} +/- {fmt_number(r.se):<8} noise floor {fmt_number(r.noise_floor)} "
                         f"(95%: {fmt_number(r.noise_95)}; p = {r.p_value:.2f}){flag}")
    if res.sensitivity is not None and len(res.sensitivity):
        from .effect_sensitivity import format_effect_sensitivity

        for obj in s.objectives:
            lines.append(f"sensitivity of each policy's effect on {OBJECTIVES[obj]} (PAWN median over {SLICES_TEXT}; "
                         "the top 3 parameters with their grades):")
            lines += format_effect_sensitivity(res.sensitivity, obj)
    return "\n".join(lines)

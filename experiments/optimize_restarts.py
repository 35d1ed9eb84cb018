"""``drugmarket optimize --restarts N``: the same study N times with different sampler seeds.

A search that lands on the same objective from different starts has probably found the optimum; a
spread says how far any one run can be trusted. Restart k (1..N) uses sampler seed ``sampler_seed + k -
1`` and lives in OUT/restart-k (its own journal, so ``--resume`` continues each). Every restart runs
the same seeds (common random numbers), so they search the same function and differ by the search
alone. OUT/restarts.csv has one row a restart: its best objective (one objective) or final hypervolume
(several) and its gap to the best restart; OUT/restarts.png draws each restart's progress.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from .optimize import OptimizeResult, optimize, summary
from .optimize_file import OptimizeSpec
from .options import RunOptions
from .storage import atomic_write_bytes


@dataclass
class RestartsResult:
    runs: list[OptimizeResult]
    table: pd.DataFrame     # one row a restart
    out: Path

    @property
    def best(self) -> OptimizeResult:
        """The restart with the best objective (one objective) or the largest hypervolume (several)."""
        return self.runs[int(self.table["gap_pct"].idxmin())]


def optimize_restarts(spec: OptimizeSpec, n: int, *, out: str | Path, options: RunOptions | None = None,
                      resume: bool = False, overwrite: bool = False,
                      on_restart: Callable[[int, OptimizeResult], None] | None = None,
                      on_trial: Callable[[int, list[float], list[float]], None] | None = None) -> RestartsResult:
    out = Path(out)
    runs = []
    for k in range(1, n + 1):
        s = copy.copy(spec)
        s.sampler_seed = spec.sampler_seed + k - 1
        res = optimize(s, out=out / f"restart-{k}", options=options, resume=resume, overwrite=overwrite,
                       on_trial=on_trial)
        runs.append(res)
        if on_restart:
            on_restart(k, res)
    table = restarts_table(runs)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "restarts.csv", table.to_csv(index=False).encode())
    result = RestartsResult(runs, table, out)
    atomic_write_bytes(out / "restarts.json", json.dumps(restarts_summary(result), indent=1).encode())
    restarts_figure(runs, out / "restarts.png")
    return result


def restarts_figure(runs: list[OptimizeResult], path: Path) -> None:
    """Each restart's best so far (one objective) or hypervolume (several) against the trial."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for r in runs:
        col = "hypervolume" if r.spec.multi else "best_so_far"
        ax.plot(r.trials["trial"] + 1, r.trials[col], "-", label=f"sampler seed {r.spec.sampler_seed}")
    ax.set_xlabel("trial")
    ax.set_ylabel("hypervolume (objectives / base, ref 1.5)" if runs[0].spec.multi else
                  f"best so far: {runs[0].spec.objectives[0]}")
    ax.set_title(f"{runs[0].spec.name}: {len(runs)} restarts")
    ax.legend(fontsize=7)
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)


def restarts_table(runs: list[OptimizeResult]) -> pd.DataFrame:
    """One row a restart. One objective: the best value, and its gap above the best restart's in percent
    of that (0 for the best). Several: the final hypervolume, and its gap below the largest."""
    rows = []
    for k, r in enumerate(runs, start=1):
        s = summary(r)
        row = {"restart": k, "sampler_seed": r.spec.sampler_seed, "trials": len(r.trials),
               "wall_seconds": r.session.get("wall_seconds"), "cpu_seconds": r.session.get("cpu_seconds")}
        if r.spec.multi:
            row.update({"hypervolume": s["hypervolume"], "front_size": len(r.best)})
        else:
            best = r.best[0]
            row.update({"best_trial": best["trial"], "best": next(iter(best["objectives"].values())),
                        **({"search_best": next(iter(s["refine"]["search_best"]["objectives"].values()))}
                           if "refine" in s else {}),
                        **{f"budget_{p}": v for p, v in best["budgets"].items()}})
        rows.append(row)
    t = pd.DataFrame(rows)
    if runs and runs[0].spec.multi:
        top = t["hypervolume"].max()
        t["gap_pct"] = 100 * (top - t["hypervolume"]) / abs(top) if top else 0.0
    elif len(t):
        top = t["best"].min()
        t["gap_pct"] = 100 * (t["best"] - top) / abs(top) if top else 0.0
    return t


def restarts_summary(res: RestartsResult) -> dict:
    """restarts.json and ``--json`` with ``--restarts``: each restart's result, the best, the spread."""
    t = res.table
    return {"restarts": len(res.runs), "spread_pct": float(t["gap_pct"].max()) if len(t) else 0.0,
            "measure": "hypervolume" if res.runs and res.runs[0].spec.multi else "best objective",
            "best_restart": int(t.loc[t["gap_pct"].idxmin(), "restart"]) if len(t) else None,
            "best": summary(res.best) if len(t) else None,
            "table": json.loads(t.to_json(orient="records"))}

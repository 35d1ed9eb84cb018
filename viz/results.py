"""The results explorer's data: a folder written by ``drugmarket run``, ``sweep``, ``compare`` or ``reproduce``.

The folder is the one given on the command line (``drugmarket app --results DIR``,
passed to the page in the environment variable :data:`RESULTS_ENV`); the page never
names a path. If DIR holds no results itself, its sub-folders that do (up to two
levels down) are offered, by their names relative to DIR, from a list the server
made: the page can only pick an index into that list.

What a results folder holds (experiments/storage.py): ``manifest.json``, ``parts/``
(one Parquet file per run), and for a sweep ``design.parquet``, ``outputs.parquet``
and ``sensitivity.csv``; for a comparison ``compare.csv`` and ``per_seed.csv``.
Every reader here tolerates a missing or unreadable file (the view says so).
"""

from __future__ import annotations

import json
import logging
import os
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

RESULTS_ENV = "DRUGMARKET_RESULTS"
ID_COLUMNS = ("task_id", "seed", "month", "year", "month_of_year", "design_row", "replicate", "arm", "row")
#: outcomes listed first in the explorer's menus
MAIN_OUTCOMES = ("overdose_deaths", "people_with_sud", "in_treatment", "new_hiv_pwid", "violence_deaths",
                 "incarcerated", "fentanyl_share", "retail_price_cocaine", "retail_price_heroin",
                 "retail_price_fentanyl", "eradicated_ha", "seized_kg_cocaine", "cultivation_ha_colombia")
MAX_DEPTH = 2
MAX_SETS = 200
#: groups drawn one by one in the time series; more are summarised as one band
MAX_GROUPS = 10


def results_root() -> Path | None:
    """The folder given on the command line, or None (no explorer)."""
    value = os.environ.get(RESULTS_ENV)
    if not value:
        return None
    return Path(value).expanduser().resolve()


def _is_result_set(p: Path) -> bool:
    return (p / "manifest.json").is_file() or (p / "parts").is_dir()


def find_result_sets(root: Path) -> list[tuple[str, Path]]:
    """(label, folder) of each result set at or under ``root`` (itself first), without following links."""
    if not root.is_dir():
        return []
    found: list[tuple[str, Path]] = []
    if _is_result_set(root):
        found.append((root.name or str(root), root))
    frontier = [root]
    for _depth in range(MAX_DEPTH):
        nxt = []
        for d in frontier:
            try:
                children = sorted(c for c in d.iterdir() if c.is_dir() and not c.is_symlink()
                                  and not c.name.startswith((".", "_")) and c.name != "parts")
            except OSError:
                continue
            for c in children:
                if _is_result_set(c):
                    found.append((str(c.relative_to(root)), c))
                nxt.append(c)
                if len(found) >= MAX_SETS:
                    return found
        frontier = nxt
    return found


def _read_csv(p: Path) -> pd.DataFrame | None:
    try:
        return pd.read_csv(p) if p.is_file() else None
    except Exception as e:  # noqa: BLE001
        log.warning("cannot read %s: %s", p, e)
        return None


def _read_parquet(p: Path) -> pd.DataFrame | None:
    try:
        return pd.read_parquet(p) if p.is_file() else None
    except Exception as e:  # noqa: BLE001
        log.warning("cannot read %s: %s", p, e)
        return None


def _fmt_factor_value(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)).lower()
    if isinstance(v, (int, float, np.number)):
        x = float(v)
        if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
            return f"{x:.3g}"
        return f"{x:.4g}"
    return str(v)


def short_factor(key: str) -> str:
    for pre, rep in (("policy.budget.", "budget "), ("policy.", ""), ("params.", "")):
        if key.startswith(pre):
            return rep + key[len(pre):]
    return key


class ResultSet:
    """One results folder, read lazily."""

    def __init__(self, path: Path, label: str | None = None):
        self.path = Path(path)
        self.label = label or self.path.name

    # -- files
    @cached_property
    def manifest(self) -> dict | None:
        try:
            with open(self.path / "manifest.json") as fh:
                m = json.load(fh)
            return m if isinstance(m, dict) else None
        except (OSError, ValueError):
            return None

    @property
    def kind(self) -> str:
        k = (self.manifest or {}).get("kind")
        if isinstance(k, str) and k:
            return k
        if (self.path / "sensitivity.csv").is_file() or (self.path / "design.parquet").is_file():
            return "sweep"
        if (self.path / "compare.csv").is_file():
            return "compare"
        return "run"

    @cached_property
    def data(self) -> pd.DataFrame:
        """All rows of all finished runs (empty if none can be read)."""
        try:
            from experiments.storage import read_results

            df = read_results(self.path)
        except Exception as e:  # noqa: BLE001
            log.warning("cannot read the results in %s: %s", self.path, e)
            df = None
        if df is None or not len(df):
            df = _read_parquet(self.path / "results.parquet")
        if df is None:
            return pd.DataFrame()
        if "month" not in df.columns and len(df):
            keys = [k for k in ("task_id", "seed") if k in df.columns]
            df = df.assign(month=df.groupby(keys).cumcount() + 1 if keys else np.arange(1, len(df) + 1))
        if "scenario" not in df.columns:
            df = df.assign(scenario=self.label)
        if "seed" not in df.columns:
            df = df.assign(seed=0)
        return df

    @cached_property
    def design(self) -> pd.DataFrame | None:
        return _read_parquet(self.path / "design.parquet")

    @cached_property
    def runs(self) -> pd.DataFrame | None:
        """outputs.parquet of a sweep: one row per run, the summarised outputs and the factor values."""
        return _read_parquet(self.path / "outputs.parquet")

    @cached_property
    def sensitivity(self) -> pd.DataFrame | None:
        return _read_csv(self.path / "sensitivity.csv")

    @cached_property
    def compare_table(self) -> pd.DataFrame | None:
        return _read_csv(self.path / "compare.csv")

    # -- what the views need
    @property
    def design_kind(self) -> str | None:
        """'sobol' | 'morris' | 'lhs' | 'factorial' for a sweep."""
        d = (self.manifest or {}).get("design")
        if isinstance(d, dict) and isinstance(d.get("design"), str):
            return d["design"]
        if self.sensitivity is not None:
            cols = set(self.sensitivity.columns)
            for name, col in (("sobol", "ST"), ("morris", "mu_star"), ("lhs", "rho"), ("factorial", "effect")):
                if col in cols:
                    return name
        return None

    @cached_property
    def factors(self) -> list[str]:
        """The sweep's factors (dotted keys), in design order."""
        d = (self.manifest or {}).get("design")
        keys: list[str] = []
        if isinstance(d, dict) and isinstance(d.get("factors"), list):
            keys = [f["key"] for f in d["factors"] if isinstance(f, dict) and isinstance(f.get("key"), str)]
        if not keys and self.design is not None:
            keys = [c for c in self.design.columns if c not in ("row", "seeds")]
        return keys

    def factor_is_log(self, key: str) -> bool:
        d = (self.manifest or {}).get("design")
        if isinstance(d, dict) and isinstance(d.get("factors"), list):
            for f in d["factors"]:
                if isinstance(f, dict) and f.get("key") == key:
                    return bool(f.get("log"))
        return False

    @cached_property
    def outcome_columns(self) -> list[str]:
        df = self.data
        cols = [c for c in df.columns if c not in ID_COLUMNS and c not in self.factors
                and pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
        first = [c for c in MAIN_OUTCOMES if c in cols]
        return first + sorted(c for c in cols if c not in first)

    @cached_property
    def group_labels(self) -> dict[Any, str]:
        """Group key -> label: the scenarios, or for a sweep its design rows ('row 3'; see row_table)."""
        df = self.data
        if not len(df):
            return {}
        if self.group_column == "design_row":
            return {r: f"row {int(r)}" for r in sorted(df["design_row"].dropna().unique())}
        return {s: str(s) for s in dict.fromkeys(df["scenario"])}

    def row_table(self) -> list[dict[str, str]]:
        """A sweep's design rows: 'row' and each factor's value (short names), for a table on the page."""
        if self.design is None or "row" not in self.design.columns:
            return []
        out = []
        for _, r in self.design.iterrows():
            item = {"row": f"row {int(r['row'])}"}
            for k in self.factors:
                if k in self.design.columns:
                    item[short_factor(k)] = _fmt_factor_value(r[k])
            out.append(item)
        return out

    @property
    def group_column(self) -> str:
        df = self.data
        if "design_row" in df.columns and df["design_row"].nunique() > 1:
            return "design_row"
        return "scenario"

    def summary(self) -> list[tuple[str, str]]:
        """(label, text) lines describing the folder."""
        m = self.manifest or {}
        df = self.data
        lines = [("folder", self.label), ("written by", f"drugmarket {self.kind}")]
        if isinstance(m.get("command"), list):
            lines.append(("command", " ".join(str(x) for x in m["command"])))
        for key, label in (("created", "created"), ("updated", "updated"), ("git_commit", "git commit")):
            if m.get(key):
                lines.append((label, str(m[key])))
        counts = m.get("counts")
        if isinstance(counts, dict):
            lines.append(("runs", ", ".join(f"{v} {k}" for k, v in counts.items())))
        if len(df):
            n_runs = df["task_id"].nunique() if "task_id" in df.columns else df.groupby(["scenario", "seed"]).ngroups
            lines.append(("data", f"{n_runs} runs, {df['month'].max()} months, {len(self.group_labels)} "
                                  f"{'design rows' if self.group_column == 'design_row' else 'scenarios'}, "
                                  f"seeds {', '.join(str(s) for s in sorted(df['seed'].unique())[:12])}"))
        else:
            lines.append(("data", "no finished runs could be read"))
        if self.kind == "sweep" and self.design_kind:
            lines.append(("design", f"{self.design_kind}, factors: {', '.join(self.factors)}"))
        return lines

    # -- per run
    def per_run(self, column: str, how: str = "mean_last_12") -> pd.DataFrame:
        """One row per run: group, seed and ``column`` summarised (mean of the last 12 months, or all months)."""
        df = self.data
        if column not in df.columns or not len(df):
            return pd.DataFrame(columns=["group", "seed", "value"])
        keys = ["task_id"] if "task_id" in df.columns else [self.group_column, "seed"]
        g = df.groupby(keys, sort=False)
        if how == "mean_last_12":
            last = df["month"] > g["month"].transform("max") - 12
            val = df[last].groupby(keys, sort=False)[column].mean()
        elif how == "sum":
            val = g[column].sum()
        else:
            val = g[column].mean()
        first = g[[self.group_column, "seed"]].first()
        out = first.join(val.rename("value")).reset_index(drop=True)
        return out.rename(columns={self.group_column: "group"})

    def comparison(self, baseline: Any | None = None) -> tuple[pd.DataFrame | None, str]:
        """The comparison of scenarios (or design rows) against a baseline, paired by seed, and a note.

        A folder written by ``drugmarket compare`` has its table (compare.csv); otherwise it is computed
        with experiments.compare from the runs."""
        if self.compare_table is not None and baseline is None and len(self.compare_table):
            return self.compare_table, "from compare.csv"
        df = self.data
        labels = self.group_labels
        if len(labels) < 2:
            return None, "one scenario only: nothing to compare"
        keys = list(labels)
        base = baseline if baseline in labels else keys[0]
        from experiments.compare import compare_metrics, per_run_metrics

        gcol = self.group_column
        d = df.assign(scenario=df[gcol].map(labels)) if gcol == "design_row" else df
        metrics = per_run_metrics(d)
        policies = [labels[k] for k in keys if k != base]
        table = compare_metrics(metrics, labels[base], policies)
        return table, f"computed from the runs: each {'design row' if gcol == 'design_row' else 'scenario'} " \
                      f"against {labels[base]!r}, paired by seed"

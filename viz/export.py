"""What the page exports: the scenario of its levers (TOML), the outcomes (CSV) and the summary figure (PNG).

The TOML is the scenario file ``drugmarket run`` and ``compare`` read (model.scenario's own
writer): the page's budgets, switches and per-country overrides, with the months run so
far. A lever moved during the run is exported with its latest value (the file has no
events), which the header comment says. The CSV has one row per arm, seed and month
with every output column the page recorded. The PNG draws each summary card's outcome
over the months, the policy against the status quo, with the band over the seeds.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from viz import why
from viz.state import ARMS, Session
from viz.summary import BAND_NOTE, OUTCOMES


def scenario_toml(session: Session) -> str:
    """The page's policy as a scenario file (TOML)."""
    with session.lock:
        s = session._policy_scenario()
        s.name = "workshop-page"
        if session.month > 0:
            s.months = session.month
        changes = list(session.changes)
        seeds = session.seeds
    head = [f"# The workshop page's policy, exported at month {session.month} (seeds {seeds[0]}-{seeds[-1]}).",
            "# Run it: drugmarket run THIS_FILE --seeds 20; compare it: drugmarket compare status_quo THIS_FILE"]
    if changes:
        head.append("# Levers were moved during the page's run; this file holds their latest values from month 1:")
        head += [f"#   month {m}: {t}" for m, t in changes[-20:]]
    return "\n".join(head) + "\n" + s.to_toml() + ("\n" if not s.to_toml().endswith("\n") else "")


def outcomes_frame(session: Session) -> pd.DataFrame:
    """One row per arm, seed and month: every output column of the page's run so far."""
    snap = session.snapshot()
    frames = []
    for arm in ARMS:
        data = getattr(snap, arm)
        for i, seed in enumerate(snap.seeds):
            row = {"arm": arm, "seed": seed, "month": np.arange(1, snap.month + 1)}
            row.update({c: data[c][i] for c in snap.columns})
            frames.append(pd.DataFrame(row))
    if not frames or snap.month < 1:
        return pd.DataFrame(columns=["arm", "seed", "month", *snap.columns])
    return pd.concat(frames, ignore_index=True)


def outcomes_csv(session: Session) -> str:
    return outcomes_frame(session).to_csv(index=False)


def summary_png(session: Session) -> bytes:
    """The summary cards' outcomes over the months as a PNG."""
    snap = session.snapshot()
    fig = Figure(figsize=(13, 7), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    months = np.arange(1, snap.month + 1)
    for i, (key, label, unit, how, _kind) in enumerate(OUTCOMES):
        ax = fig.add_subplot(2, 3, i + 1)
        n = why.node(key, snap.columns)
        cols = why.node_columns(n, snap.columns) if n and snap.month else []
        if not cols:
            ax.text(0.5, 0.5, "not run yet", ha="center", va="center")
            ax.set_axis_off()
            continue
        for arm, color, style in (("policy", "tab:blue", "-"), ("status_quo", "0.35", "--")):
            data = sum(getattr(snap, arm)[c] for c in cols)
            ax.plot(months, data.mean(axis=0), style, color=color, lw=1.6, label=arm.replace("_", " "))
            if data.shape[0] > 1:
                ax.fill_between(months, data.min(axis=0), data.max(axis=0), color=color, alpha=0.18, lw=0)
        per = "a month" if how == "total" else ""
        ax.set_title(f"{label} ({unit}{' ' + per if per else ''})", fontsize=10)
        ax.set_xlabel("month of the policy")
        ax.grid(alpha=0.3)
        if i == 0:
            ax.legend(fontsize=8)
    fig.suptitle(f"The page's policy against the status quo, seeds {snap.seeds[0]}-{snap.seeds[-1]}, months 1-"
                 f"{snap.month}. {BAND_NOTE}", fontsize=9, wrap=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()

"""The results explorer: the folder given by ``drugmarket app --results DIR``, never a path from the page.

Shows, for one result set (DIR itself, or one of its sub-folders holding results):
what it is (manifest), each outcome's time series with ensemble bands per scenario,
the distribution of outcomes across the design, the response to each lever (a
sweep), the sensitivity indices (a sweep), and the scenarios compared with a
baseline, paired by seed. Every choice on the page is an index into a list the
server made (validated), so no page input reaches the file system.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

import solara

from viz import explorer_figures as ef
from viz.elements import CSS, Message, P, guarded, table
from viz.results import ResultSet, find_result_sets, short_factor
from viz.validate import PageInputError
from viz.widgets import Choice, TabBar, tab_index

log = logging.getLogger(__name__)

_cache: OrderedDict[str, ResultSet] = OrderedDict()
_cache_lock = threading.Lock()
MAX_CACHED = 8


def result_set(path: Path, label: str) -> ResultSet:
    """A ResultSet shared by all sessions (its data is only read)."""
    key = str(path)
    with _cache_lock:
        rs = _cache.get(key)
        if rs is None:
            rs = _cache[key] = ResultSet(path, label)
            while len(_cache) > MAX_CACHED:
                _cache.popitem(last=False)
        return rs


def _fmt_cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if v == v else "n/a"
    return str(v)


VIEWS = ("Time series", "Distribution", "Response to levers", "Sensitivity", "Scenarios")


@solara.component
def Explorer(root: Path):
    solara.Style(CSS)
    sets = solara.use_memo(lambda: find_result_sets(root), [str(root)])
    index, set_index = solara.use_state(0)
    column, set_column = solara.use_state("")
    baseline, set_baseline = solara.use_state("")
    view, set_view = solara.use_state(0)
    error, set_error = solara.use_state("")
    index = index if 0 <= index < len(sets) else 0
    label, path = sets[index] if sets else ("", None)
    rs = solara.use_memo(lambda: result_set(path, label) if path is not None else None, [str(path)])
    if rs is None:
        solara.Warning(f"No results found in {root} (a folder written by drugmarket run, sweep, compare or "
                       "reproduce holds manifest.json and parts/).")
        return
    columns = rs.outcome_columns
    col = column if column in columns else (columns[0] if columns else "")

    def choose_set(value):
        labels = [lbl for lbl, _ in sets]
        if value not in labels:
            raise PageInputError("unknown result set")
        set_index(labels.index(value))
        set_baseline("")

    def choose_column(value):
        if value not in columns:
            raise PageInputError("unknown outcome")
        set_column(value)

    group_labels = list(rs.group_labels.values())

    def choose_baseline(value):
        if value not in group_labels:
            raise PageInputError("unknown baseline")
        set_baseline(value)

    with solara.Column(style={"padding": "0 8px"}, classes=["dm-explorer"]):
        solara.v.Html(tag="div", class_="dm-status", children=[
            f"Results explorer: {root} (chosen on the command line; the page cannot open other folders)"])
        Message(error)
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            if len(sets) > 1:
                with solara.Div(style={"min-width": "320px"}):
                    Choice("Result set", [lbl for lbl, _ in sets], label, guarded(choose_set, set_error),
                           testid="result-set")
            if columns:
                with solara.Div(style={"min-width": "320px"}):
                    Choice("Outcome", columns, col, guarded(choose_column, set_error), testid="outcome")
        table(["", ""], [[k, v] for k, v in rs.summary()], attrs={"data-testid": "explorer-summary"})
        TabBar(VIEWS, view, lambda i: set_view(tab_index(i, len(VIEWS))), testid="explorer-views")
        if view == 0:
            P("Each outcome over the months: for each scenario (or design row of a sweep) the mean over its "
              "seeds and a band across the seeds.", "dm-small")
            Figure(lambda: ef.timeseries_figure(rs, col), [str(path), col], "explorer-timeseries")
        elif view == 1:
            P("Each run summarised by the mean of its last 12 months: across the design of a sweep, or per "
              "scenario.", "dm-small")
            Figure(lambda: ef.distribution_figure(rs, col), [str(path), col], "explorer-distribution")
        elif view == 2:
            Figure(lambda: ef.response_figure(rs, col), [str(path), col], "explorer-response")
            rows = rs.row_table()
            if rows:
                heads = list(rows[0])
                table(heads, [[r.get(h, "") for h in heads] for r in rows], attrs={"data-testid": "design-rows"})
        elif view == 3:
            Sensitivity(rs, str(path))
        else:
            Scenarios(rs, str(path), baseline, group_labels, guarded(choose_baseline, set_error))


def Figure(make, dependencies: list, testid: str):
    """A matplotlib figure, drawn once per choice. Keyed by ``testid``: each view's figure is its own
    component, so switching views never shows the figure memoised by another view at the same place."""
    return _Figure(make, [testid, *dependencies], testid).key(f"figure-{testid}")


@solara.component
def _Figure(make, dependencies: list, testid: str):
    fig = solara.use_memo(make, dependencies)
    with solara.Div(attributes={"data-testid": testid}):
        solara.FigureMatplotlib(fig, dependencies=dependencies, format="png")


@solara.component
def Sensitivity(rs: ResultSet, key: str):
    t = rs.sensitivity
    if t is None or not len(t):
        solara.Info("No sensitivity indices here: they come from a sweep (sensitivity.csv).", dense=True)
        return
    design = rs.design_kind or "?"
    P({"sobol": "Sobol' indices: S1 is the share of an output's variance due to the factor alone, ST including "
                "its interactions (with 95% confidence half-widths).",
       "morris": "Morris screening: mu* is the mean absolute effect of moving the factor, sigma the spread "
                 "(interactions, non-linearity).",
       "lhs": "Spearman rank correlation of each factor with each output over a Latin hypercube.",
       "factorial": "Main effects: the mean output at each level of a factor minus the grand mean."}.get(design, ""),
      "dm-small")
    Figure(lambda: ef.sensitivity_figure(rs), [key, "sensitivity"], "explorer-sensitivity")
    shown = t.copy()
    if "factor" in shown.columns:
        shown["factor"] = shown["factor"].map(lambda f: short_factor(str(f)))
    table(list(shown.columns), [[_fmt_cell(v) for v in r] for r in shown.itertuples(index=False)],
          attrs={"data-testid": "sensitivity-table"})


@solara.component
def Scenarios(rs: ResultSet, key: str, baseline: str, group_labels: list[str], choose_baseline):
    inverse = {v: k for k, v in rs.group_labels.items()}
    base_key = inverse.get(baseline)
    use_file = rs.compare_table is not None and not baseline

    def compute():
        try:
            return rs.comparison(None if use_file else (base_key if base_key is not None else
                                                        next(iter(rs.group_labels), None)))
        except Exception as e:  # noqa: BLE001
            log.exception("comparison failed")
            return None, f"The comparison could not be computed: {type(e).__name__}: {e}"

    tbl, note = solara.use_memo(compute, [key, baseline])
    P("Each scenario (or design row) against a baseline with the same seeds: the mean of the seed-by-seed "
      "differences and their 95% interval. Averted = baseline minus scenario; extra spending = scenario minus "
      f"baseline. ({note})", "dm-small")
    if len(group_labels) > 1:
        with solara.Div(style={"max-width": "420px"}):
            shown = baseline or (tbl["baseline"].iloc[0] if tbl is not None and len(tbl)
                                 and tbl["baseline"].iloc[0] in group_labels else group_labels[0])
            Choice("Baseline", group_labels, shown, choose_baseline, testid="baseline")
    Figure(lambda: ef.comparison_figure(tbl, note), [key, "compare", baseline], "explorer-compare")
    if tbl is not None and len(tbl):
        cols = [c for c in ("policy", "baseline", "label", "unit", "mean", "low", "high", "n_seeds", "note")
                if c in tbl.columns]
        table(cols, [[_fmt_cell(v) for v in r] for r in tbl[cols].itertuples(index=False)],
              attrs={"data-testid": "compare-table"})
    rows = rs.row_table()
    if rows:
        heads = list(rows[0])
        table(heads, [[r.get(h, "") for h in heads] for r in rows])



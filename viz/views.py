"""The workshop page's views: the outcomes over time, the map, the comparison with the status quo, and the
levers explained."""

from __future__ import annotations

import solara

from viz.charts import CAPTION, NOT_STARTED, SIDE_LABEL, difference_options, outcome_options, scorecard
from viz.elements import Message, P, guarded, table
from viz.lever_docs import LeverDocs
from viz.state import Session
from viz.widgets import ChoiceButtons, TabBar, choice_by_index, tab_index
from viz.worldmap import COLOR_BY, COLOR_LABEL, map_option

VIEW_LABELS = ("Outcomes over time", "Map", "Against the status quo", "The levers explained")


@solara.component
def Views(session: Session, version: int):
    tab, set_tab = solara.use_state(0)
    color_by, set_color_by = solara.use_state("cultivation")
    snap = session.snapshot()
    TabBar(VIEW_LABELS, tab, lambda i: set_tab(tab_index(i, len(VIEW_LABELS))), testid="views")
    if tab == 0:
        OutcomeCharts(snap)
    elif tab == 1:
        with solara.Row(style={"align-items": "center"}):
            solara.Text("Colour countries by:", classes=["dm-small"])
            ChoiceButtons(list(COLOR_BY), color_by, guarded(lambda i: set_color_by(choice_by_index(COLOR_BY, i)),
                                                            lambda _msg: None), testid="map-color")
            solara.Text(f"({COLOR_LABEL[color_by]})", classes=["dm-small"])
        MapChart(snap, color_by)
    elif tab == 2:
        Comparison(snap)
    else:
        LeverDocs()


@solara.component
def OutcomeCharts(snap):
    options = solara.use_memo(lambda: outcome_options(snap), [snap.version])
    Message(info=NOT_STARTED if snap.month < 1 else "")
    P(CAPTION, "dm-small")
    with solara.Div(attributes={"data-testid": "outcome-charts", "data-version": str(snap.version)}):
        with solara.GridFixed(columns=2, column_gap="8px", row_gap="8px"):
            for key, opt in options:
                with solara.Div(attributes={"data-testid": f"chart-{key}"}):
                    solara.FigureEcharts(option=opt, attributes={"style": "height: 300px; width: 100%;"},
                                         responsive=True)


@solara.component
def MapChart(snap, color_by: str):
    option = solara.use_memo(lambda: map_option(snap.map, color_by=color_by, month=snap.month),
                             [snap.version, color_by])
    with solara.Div(attributes={"data-testid": "map"}):
        solara.FigureEcharts(option=option, attributes={"style": "height: 540px; width: 100%;"}, responsive=True)


@solara.component
def Comparison(snap):
    rows = solara.use_memo(lambda: scorecard(snap), [snap.version])
    options = solara.use_memo(lambda: difference_options(snap), [snap.version])
    n = len(snap.seeds)
    P(f"So far (months 1-{snap.month}): the policy on the page and the status quo, each the mean of the same "
      f"{n} seed{'s' if n != 1 else ''}; the difference is taken seed by seed (policy minus status quo), with its "
      f"range over the seeds. Health outcomes next to the traditional measures (hectares eradicated, kilograms "
      f"seized), so that where they disagree shows.", "dm-small")
    if snap.month < 1:
        solara.Info(NOT_STARTED, dense=True)
        return
    table(["Outcome", "Kind", "Policy", "Status quo", "Difference", "Range over seeds"],
          [[r["label"], SIDE_LABEL[r["side"]], r["text_policy"], r["text_status_quo"], r["text_diff"],
            r["text_range"]] for r in rows], numeric=(2, 3, 4, 5), attrs={"data-testid": "scorecard"})
    with solara.GridFixed(columns=3, column_gap="8px", row_gap="8px"):
        for key, opt in options:
            solara.FigureEcharts(option=opt, attributes={"style": "height: 250px; width: 100%;"}, responsive=True)

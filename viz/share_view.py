"""The panel's "Share and export" section: the share link (viz/share.py) and the downloads (viz/export.py)."""

from __future__ import annotations

import solara

from viz import export, share
from viz.elements import P
from viz.state import Session


@solara.component
def ShareSection(session: Session, lever_version: int, seed_choice: int, n_choice: int):
    query = share.to_query(session.levers, session.seed, session.n_seeds)
    solara.v.Html(tag="div", class_="dm-section", children=["4. Share and export"])
    solara.v.Html(tag="a", attributes={"href": "?" + query, "data-testid": "share-link", "target": "_blank"},
                  children=["Share link: this policy and these seeds"])
    P("Copy the link (right-click it) and send it: it opens a new page with every lever and the seeds as now.")
    # the downloads read the session when clicked; the callables stay the same objects between redraws
    # (solara.FileDownload starts over when its data changes)
    toml = solara.use_memo(lambda: (lambda: export.scenario_toml(session)), [session])
    csv = solara.use_memo(lambda: (lambda: export.outcomes_csv(session)), [session])
    png = solara.use_memo(lambda: (lambda: export.summary_png(session)), [session])
    with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
        for data, name, label, mime, testid in (
                (toml, "drugmarket-scenario.toml", "Scenario (TOML)", "application/toml", "export-toml"),
                (csv, "drugmarket-outcomes.csv", "Outcomes (CSV)", "text/csv", "export-csv"),
                (png, "drugmarket-outcomes.png", "Figure (PNG)", "image/png", "export-png")):
            solara.FileDownload(data, filename=name, mime_type=mime, children=[
                solara.Button(label, small=True, outlined=True, icon_name="mdi-download",
                              attributes={"data-testid": testid})]).key(testid)
    P("The TOML runs with drugmarket run and compare; the CSV holds every output column of both runs, seed by "
      "seed and month by month.")

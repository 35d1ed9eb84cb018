"""The summary cards on the page (their numbers, "why" and notes come from viz/summary.py)."""

from __future__ import annotations

import solara

from viz.band_view import HowSure, use_band
from viz.elements import P
from viz.state import Session
from viz.summary import BAND_NOTE, OUTCOMES, VERDICT, CardData, cards, draws_text, largest

rv = solara.v


def _div(text: str, cls: str = "", testid: str | None = None, style: str = ""):
    attrs = {"data-testid": testid} if testid else {}
    if style:
        attrs["style"] = style
    return rv.Html(tag="div", class_=cls, attributes=attrs, children=[text])


@solara.component
def SummaryCards(session: Session, version: int, lever_version: int):
    snap = session.snapshot()
    data = solara.use_memo(lambda: cards(snap, session.levers), [snap.version, lever_version])
    band = use_band(session, snap.month, lever_version)
    with solara.Div(attributes={"data-testid": "summary", "data-month": str(snap.month)}):
        _div(f"The page's policy against the status quo, months 1-{snap.month}" if snap.month else
             "The page's policy against the status quo (nothing run yet)", "dm-section")
        top = largest(data)
        if top:
            _div("Largest changes: " + " ".join(f"{c.label}: {c.text_change}, {c.verdict}. {c.why}" for c in top),
                 "dm-small", testid="largest")
        HowSure(band, snap.month)
        by_key = {c.key: c for c in data}
        bands = band.result.bands if band.result else {}
        months = band.result.request.months if band.result else 0
        with solara.GridFixed(columns=3, column_gap="8px", row_gap="8px"):
            for key, label, unit, how, _kind in OUTCOMES:
                OutcomeCard(by_key.get(key), key, label, bands.get(key), months, snap.month).key(f"outcome-{key}")
        P(BAND_NOTE, "dm-small", testid="band-note")


@solara.component
def OutcomeCard(c: CardData | None, key: str, label: str, pband=None, band_months: int = 0, month: int = 0):
    color = c.color if c is not None else "#bdbdbd"
    with solara.Div(classes=["dm-card"], style={"border-left": f"6px solid {color}"},
                    attributes={"data-testid": f"outcome-{key}", "data-verdict": c.verdict if c else "none"}):
        _div(label, "dm-card-title")
        if c is None:
            _div("Step or Play to see the change.", "dm-small")
            return
        _div(c.text_change, "dm-card-change", testid=f"change-{key}", style=f"color: {color}")
        _div(f"{VERDICT[c.verdict]}; {c.text_when}: policy {_num(c.policy, c.unit)}, status quo "
             f"{_num(c.status_quo, c.unit)}", "dm-small")
        with rv.Html(tag="div", attributes={"data-testid": f"band-{key}", "data-param": "ready" if pband else "none"}):
            _div(c.text_bands(pband), "dm-small")
            if pband is not None:
                _div(draws_text(pband, band_months, month), "dm-small", testid=f"pband-{key}")
        _div("Why: " + c.why, "dm-why", testid=f"why-{key}")
        if c.l_note:
            _div(c.l_note, "dm-lnote", testid=f"lnote-{key}")


def _num(x: float, unit: str) -> str:
    from viz.charts import fmt

    return fmt(x, unit)

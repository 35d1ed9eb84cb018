"""The "How sure is this?" button and its state: the parameter band asked for, run in the background.

:func:`use_band` holds the question (viz/band.py's BandRequest) and runs it in a thread of the page that
waits for the server's band worker (viz/band_worker.py), so neither the page nor the play loop waits. The
question is dropped, and its run cancelled, as soon as the levers or the seeds differ from what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import solara

from viz import band as band_
from viz.band import BandResult
from viz.state import Session

rv = solara.v


@dataclass
class BandState:
    state: str                      # idle, running, ready, error
    result: BandResult | None
    done: int
    total: int
    error: str
    ask: Callable[[], None]
    cancel: Callable[[], None]


def use_band(session: Session, month: int, lever_version: int) -> BandState:
    """The parameter band of this page: ask() starts it for the levers and months as they are now."""
    from viz.band_worker import compute

    asked, set_asked = solara.use_state(None)
    tries, set_tries = solara.use_state(0)  # asking the same question again (after an error) runs it again
    progress, set_progress = solara.use_state((0, 0))
    # the question the page would ask now (the levers may have moved since the band was asked for)
    now = solara.use_memo(session.band_request, [lever_version, session.generation, tuple(session.seeds)])
    moved = asked is not None and not asked.same_question(now)

    def drop():
        if moved:
            set_asked(None)

    solara.use_effect(drop, [moved])

    def job(cancel):
        if asked is None or moved:
            return None
        return compute(asked, lambda d, n: set_progress((d, n)), lambda: cancel.is_set() or session.closed)

    result = solara.use_thread(job, dependencies=[asked, moved, tries], intrusive_cancel=False)

    def ask():
        req = session.band_request()
        if req.months >= 1:
            set_progress((0, 0))
            set_asked(req)
            set_tries(lambda n: n + 1)

    if asked is None or moved:
        state = "idle"
    elif result.state == solara.ResultState.ERROR:
        state = "error"
    elif result.state == solara.ResultState.FINISHED and isinstance(result.value, BandResult) \
            and result.value.request is asked:
        state = "ready"
    else:
        state = "running"
    return BandState(state, result.value if state == "ready" else None, progress[0], progress[1],
                     str(result.error or "") if state == "error" else "", ask, lambda: set_asked(None))


@solara.component
def HowSure(band: BandState, month: int):
    """The button, what it does, and the band's progress or its result."""
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("How sure is this?", on_click=band.ask, disabled=month < 1 or band.state == "running",
                      color="primary", outlined=True, attributes={"data-testid": "band-button"})
        if band.state == "running":
            solara.Button("Cancel", on_click=band.cancel, text=True, attributes={"data-testid": "band-cancel"})
        rv.Html(tag="div", class_="dm-small", attributes={"data-testid": "band-status", "data-state": band.state},
                children=[status_text(band, month)])
    if band.state == "running":
        solara.ProgressLinear(100 * band.done / band.total if band.total else True)


def status_text(band: BandState, month: int) -> str:
    if band.state == "running":
        left = f"{band.done} of {band.total} runs done" if band.total else "starting"
        return (f"Running the policy and the status quo with {band_.PLAN.n} sets of plausible values of the uncertain "
                f"inputs, in the background ({left}); the page stays usable, and moving a lever cancels it.")
    if band.state == "error":
        return f"The parameter band could not be computed: {band.error}"
    if band.state == "ready":
        r = band.result
        text = (f"Parameter band: {len(r.draws_used)} draws of the uncertain inputs over months 1-"
                f"{r.request.months}, each paired with the status quo on the same draw and seeds.")
        if r.draws_failed:
            text += (f" Left out: draw{'s' if len(r.draws_failed) > 1 else ''} "
                     f"{', '.join(map(str, sorted(r.draws_failed)))} (the model cannot be calibrated with "
                     f"{'their' if len(r.draws_failed) > 1 else 'its'} values).")
        return text
    if month < 1:
        return "Step or Play first: the button then shows how much each change rests on uncertain inputs."
    return (f"Runs the page's policy and the status quo again with {band_.PLAN.n} sets of plausible values of the "
            f"uncertain inputs (a minute or more; the page stays usable), and adds their range to each card.")

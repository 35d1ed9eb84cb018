"""The workshop page: one browser session's simulation, its state on the page, and its status line.

Each browser session renders its own :func:`Workshop`, which creates its own
:class:`viz.state.Session` (never at module level): participants never see each
other's runs. Every handler validates the page's value (viz/validate.py) and
shows a message instead of failing. The controls are in viz/controls.py, the
views in viz/views.py.
"""

from __future__ import annotations

import logging
import threading

import solara

from model.policy import SWITCH_CHOICES
from model.presets import PRESETS
from viz import sessions, validate
from viz.controls import Controls
from viz.play import Play
from viz.elements import CSS, Message, guarded
from viz.presets import Card
from viz.state import MAX_MONTHS, Session
from viz.summary_view import SummaryCards
from viz.views import Views
from viz.widgets import choice_by_index

log = logging.getLogger(__name__)


def new_session(kernel: str | None = None, levers=None, seed: int | None = None, n_seeds: int | None = None) -> Session:
    """This browser session's simulation (called from a component, never at module level), freed when
    solara closes the session's kernel ``kernel`` (viz/sessions.py); ``levers`` and the seeds come from a
    share link (viz/share.py), else the status quo."""
    kw = {k: v for k, v in (("seed", seed), ("n_seeds", n_seeds)) if v is not None}
    return sessions.adopt(Session(levers=levers, **kw), kernel)


#: the guided start: what to do first, in one sentence
GUIDE = ("Start here: pick a policy card on the left (for example the Full reform package), then press Play; the "
         "cards below compare it, month by month, with today's policy run with the same chance events.")


@solara.component
def Workshop(result, notice: str = ""):
    """The workshop view, given the result of building this browser session's Session (solara.use_thread);
    ``notice``: what a share link held that could not be used."""
    solara.Style(CSS)
    if result.error is not None:
        log.error("could not build the session: %r", result.error)
        solara.Error(f"The model could not be prepared: {result.error}")
        return
    if result.value is None:
        with solara.Column(style={"padding": "24px"}):
            solara.Text("Preparing the model: a 24-month burn-in under the status quo for each seed ...",
                        classes=["dm-status"], style={"font-size": "16px"})
            solara.ProgressLinear(True)
        return
    if result.value.closed:  # the kernel is closing; nothing left to draw
        solara.Text("This session has ended. Reload the page to start again.", classes=["dm-status"])
        return
    WorkshopSession(result.value, notice=notice)


@solara.component
def WorkshopSession(session: Session, sidebar: bool = True, notice: str = ""):
    # the run's version and the play rate reached: read only by Live (the status, cards and views), so that a
    # month stepped redraws those and not the whole panel of controls
    live = solara.use_memo(lambda: solara.reactive((session.version, float("nan"))), [session])

    def set_version(version: int, rate: float = float("nan")):
        live.value = (version, rate)

    lever_version, set_lever_version = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state(validate.SPEED_MAX)
    seed_choice, set_seed_choice = solara.use_state(session.seed)
    n_choice, set_n_choice = solara.use_state(session.n_seeds)
    error, set_error = solara.use_state(notice)
    busy, set_busy = solara.use_state("")

    def refresh():
        set_version(session.version)
        set_lever_version(lambda v: v + 1)

    use_play_loop(session, playing, speed, set_playing, set_version)

    # -- handlers
    def do_step(months: int):
        def step():
            session.step(validate.months(months))
            set_version(session.version)
        return guarded(step, set_error)

    def do_reset():
        set_playing(False)
        set_busy("Resetting: burn-in ...")
        try:
            session.reset(seed=seed_choice, n_seeds=n_choice)
        finally:
            set_busy("")
        refresh()

    def set_budget(program: str, typed: bool = False):
        def on_value(value):
            usd = validate.budget_typed(program, value) if typed else validate.budget_from_slider(value)
            session.set_budget(program, usd)
            set_lever_version(lambda v: v + 1)
        return guarded(on_value, set_error)

    def set_switch(name: str, by_index: bool = False):
        def on_value(value):
            if by_index:
                value = choice_by_index(list(SWITCH_CHOICES[name]), value)
            session.set_switch(name, value)
            set_lever_version(lambda v: v + 1)
        return guarded(on_value, set_error)

    def apply_card(card: Card):
        def on_click():
            session.apply_card(card)
            set_lever_version(lambda v: v + 1)
        return guarded(on_click, set_error)

    controls = Controls(
        session, playing=playing, set_playing=set_playing, speed=speed, set_speed=set_speed,
        seed_choice=seed_choice, set_seed_choice=guarded(lambda v: set_seed_choice(validate.seed(v)), set_error),
        n_choice=n_choice, set_n_choice=guarded(lambda v: set_n_choice(validate.ensemble_size(v)), set_error),
        do_step=do_step, do_reset=guarded(do_reset, set_error), set_budget=set_budget, set_switch=set_switch,
        apply_card=apply_card, lever_version=lever_version, set_error=set_error)
    if sidebar:
        solara.Sidebar(children=[controls])
    else:  # inline (tests render the page without an AppLayout)
        solara.Column(children=[controls])

    with solara.Column(style={"padding": "0 8px"}):
        solara.v.Html(tag="div", class_="dm-guide", attributes={"data-testid": "guide"}, children=[GUIDE])
        Live(session, live, playing, speed, lever_version, error, busy)


@solara.component
def Live(session: Session, live, playing: bool, speed: int, lever_version: int, error: str, busy: str):
    """What changes as the run goes on: the status line, messages, the summary cards and the views."""
    version, rate = live.value
    StatusLine(session, version, playing, speed, rate)
    Message(error, busy)
    SummaryCards(session, version, lever_version)
    Views(session, version)


def use_play_loop(session: Session, playing: bool, speed: int, set_playing, set_version) -> None:
    """While ``playing``, step at ``speed`` months a second in a thread of its own (viz/play.py: stepping takes
    the session's lock; the page is redrawn at most a few times a second); stop playing at the last month."""

    def play_loop(cancel: threading.Event):
        if not playing:
            return

        def redraw():
            set_version(session.version, play.rate)

        play = Play(session, speed, redraw, cancel)
        if play.run():
            set_playing(False)

    solara.use_thread(play_loop, dependencies=[playing, speed], intrusive_cancel=False)


@solara.component
def StatusLine(session: Session, version: int, playing: bool, speed: int = 0, rate: float = float("nan")):
    snap = session.snapshot()
    p = PRESETS[session.preset]
    burn = session.policy_models[0].burn_in if session.policy_models else 0
    seeds = f"seed {snap.seeds[0]}" if len(snap.seeds) == 1 else f"seeds {snap.seeds[0]}-{snap.seeds[-1]}"
    step_ms = session.last_step_seconds * 1000
    reached = ""
    if playing and rate == rate:
        reached = f" | playing at {rate:.1f} months a second (asked {speed}"
        reached += "; stepping the models limits it)" if rate < 0.9 * speed else ")"
    text = (f"Month {snap.month} of the policy (of at most {MAX_MONTHS}; after a {burn}-month burn-in under the "
            f"status quo) | {seeds}, each run with the page's policy and with the status quo | scale "
            f"'{session.preset}': {p['n_users']:,} user agents, {p['n_farmers']:,} farmer agents"
            + (f" | last step {step_ms:,.0f} ms for {len(snap.seeds)} policy models" if step_ms == step_ms else "")
            + (reached or (" | playing" if playing else "")))
    solara.v.Html(tag="div", class_="dm-status", attributes={"data-testid": "status", "data-month": str(snap.month)},
                  children=[text])
    if snap.changes:
        solara.v.Html(tag="div", class_="dm-small", attributes={"data-testid": "changes"},
                      children=["Lever changes: " + "; ".join(f"month {m}: {t}" for m, t in snap.changes[-8:])])

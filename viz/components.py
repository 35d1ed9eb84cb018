"""The workshop page's components: controls (policy cards, budgets, switches, run) and views.

Each browser session renders its own :func:`Workshop`, which creates its own
:class:`viz.state.Session` (never at module level): participants never see each
other's runs. Every handler validates the page's value (viz/validate.py) and
shows a message instead of failing.

No Markdown here: text goes out as plain HTML elements (solara.Markdown would
make the server fetch KaTeX from a CDN, which fails offline and clutters the log).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

import solara

from model.policy import DEMAND_PROGRAMS, PROGRAM_DOC, PROGRAMS, SUPPLY_PROGRAMS, SWITCH_CHOICES, SWITCH_DOC
from model.presets import PRESETS
from viz import sessions, validate
from viz.charts import CAPTION, NOT_STARTED, SIDE_LABEL, difference_options, outcome_options, scorecard
from viz.presets import NOT_MODELLED, Card, cards, million
from viz.state import MAX_MONTHS, Session
from viz.validate import PageInputError
from viz.widgets import ChoiceButtons, IntSlider, TabBar, Toggle, choice_by_index, tab_index
from viz.worldmap import COLOR_BY, COLOR_LABEL, map_option

log = logging.getLogger(__name__)

PROGRAM_LABEL = {
    "eradication": "Eradication",
    "interdiction": "Interdiction",
    "domestic_enforcement": "Domestic enforcement",
    "precursor_control": "Precursor control",
    "financial_targeting": "Financial targeting",
    "alternative_development": "Alternative development",
    "treatment": "Treatment",
    "harm_reduction": "Harm reduction",
    "prevention": "Prevention",
}
SWITCH_LABEL = {
    "decriminalize_possession": "Decriminalize possession",
    "alternative_development_before_eradication": "Alternative development before eradication",
    "precursor_scheduling": "Precursor scheduling",
    "leadership_targeting": "Leadership targeting",
}
#: the parameters that carry each lever's effect (model/params.py: value, unit, source, grade)
LEVER_PARAMS: dict[str, tuple[str, ...]] = {
    "eradication": ("agency.eradication_cost_per_ha",),
    "interdiction": ("agency.interdiction_cost_per_patrol", "agency.interdiction_hazard_per_patrol"),
    "domestic_enforcement": ("agency.arrest_cost", "market.risk_cost_elasticity"),
    "precursor_control": ("agency.precursor_cost_per_inspection",),
    "financial_targeting": ("agency.financial_cost_per_investigation", "agency.financial_seizure_max"),
    "alternative_development": ("agency.ad_cost_per_family", "farmer.ad_licit_income_uplift"),
    "treatment": ("agency.treatment_cost_per_year",),
    "harm_reduction": ("agency.naloxone_kit_cost", "agency.ssp_cost_per_client", "agency.drug_checking_cost_per_user"),
    "prevention": ("agency.prevention_cost_per_person",),
    "decriminalize_possession": ("user.possession_arrest_share", "user.referral_treatment_probability"),
    "alternative_development_before_eradication": ("farmer.ad_compliance",),
    "precursor_scheduling": ("precursor.substitution_lag_months", "precursor.relocation_months"),
    "leadership_targeting": ("trafficker.leadership_removal_probability", "trafficker.contest_violence_increase"),
}


def lever_source(lever: str) -> str:
    """Where a lever's numbers come from: its parameters with value, unit, source and grade (H, M, L, C)."""
    from model.params import PARAMS

    parts = []
    for name in LEVER_PARAMS.get(lever, ()):
        p = PARAMS.get(name)
        if p is not None:
            parts.append(f"{name} = {p.default:g} {p.unit}: {p.source} (grade {p.grade})")
    return "; ".join(parts + ["docs/ODD.md sections 7 and 8"])

CSS = """
.dm-doc { font-size: 12px; color: #555; line-height: 1.3; margin: 0 0 6px 0; }
.dm-small { font-size: 12px; color: #555; }
.dm-value { font-size: 13px; font-weight: 500; }
.dm-table { border-collapse: collapse; font-size: 13px; width: 100%; }
.dm-table th, .dm-table td { border-bottom: 1px solid #e0e0e0; padding: 4px 8px; text-align: left;
                             vertical-align: top; }
.dm-table td.num { text-align: right; white-space: nowrap; }
.dm-status { font-size: 14px; margin: 4px 0 8px 0; }
.dm-section { font-weight: 600; margin: 10px 0 2px 0; }
"""


# --------------------------------------------------------------------------- small pieces
def musd(usd: float) -> str:
    return f"USD {million(usd)} million a year"


def P(text: str, cls: str = "dm-doc", testid: str | None = None):
    return solara.v.Html(tag="p", class_=cls, children=[text], attributes={"data-testid": testid} if testid else {})


def table(headers: list[str], rows: list[list[str]], numeric: tuple[int, ...] = (), attrs: dict | None = None):
    """An HTML table of text cells (built from elements: nothing is parsed as HTML)."""
    head = solara.v.Html(tag="tr", children=[solara.v.Html(tag="th", children=[h]) for h in headers])
    body = [solara.v.Html(tag="tr", children=[
        solara.v.Html(tag="td", class_="num" if i in numeric else "", children=[str(c)]) for i, c in enumerate(r)])
        for r in rows]
    return solara.v.Html(tag="table", class_="dm-table", attributes=attrs or {},
                         children=[solara.v.Html(tag="thead", children=[head]),
                                   solara.v.Html(tag="tbody", children=body)])


def guarded(fn: Callable[..., Any], set_error: Callable[[str], None]) -> Callable[..., None]:
    """A handler that shows bad input or a failure as a message on the page instead of raising."""

    def handler(*args):
        try:
            fn(*args)
            set_error("")
        except PageInputError as e:
            set_error(f"Ignored: {e}")
        except Exception as e:  # noqa: BLE001 - nothing from the page may take the server down
            log.exception("handler %s failed", getattr(fn, "__name__", fn))
            set_error(f"Something went wrong ({type(e).__name__}); the run is unchanged. Try Reset.")

    return handler


# --------------------------------------------------------------------------- the page
def new_session(kernel: str | None = None) -> Session:
    """This browser session's simulation (called from a component, never at module level), freed when
    solara closes the session's kernel ``kernel`` (viz/sessions.py)."""
    return sessions.adopt(Session(), kernel)


@solara.component
def Workshop(result):
    """The workshop view, given the result of building this browser session's Session (solara.use_thread)."""
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
    WorkshopSession(result.value)


@solara.component
def WorkshopSession(session: Session, sidebar: bool = True):
    version, set_version = solara.use_state(session.version)
    lever_version, set_lever_version = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state(4)
    seed_choice, set_seed_choice = solara.use_state(session.seed)
    n_choice, set_n_choice = solara.use_state(session.n_seeds)
    error, set_error = solara.use_state("")
    busy, set_busy = solara.use_state("")

    def refresh():
        set_version(session.version)
        set_lever_version(lambda v: v + 1)

    # -- the play loop (its own thread; stepping takes the session's lock)
    def play_loop(cancel: threading.Event):
        if not playing:
            return
        interval = 1.0 / speed
        generation = session.generation
        while not cancel.is_set() and not session.closed:
            t0 = time.perf_counter()
            if not session.step(1, generation=generation):
                set_playing(False)
                break
            set_version(session.version)
            cancel.wait(max(0.0, interval - (time.perf_counter() - t0)))

    solara.use_thread(play_loop, dependencies=[playing, speed], intrusive_cancel=False)

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

    def set_budget(program: str):
        def on_value(value_musd):
            session.set_budget(program, validate.budget_from_slider(value_musd))
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
        StatusLine(session, version, playing)
        Message(error, busy)
        Views(session, version)


@solara.component
def Message(warning: str = "", info: str = ""):
    """A fixed slot for messages (so that the widgets after it never shift when a message appears)."""
    with solara.Div(attributes={"data-testid": "messages"}):
        if warning:
            solara.Warning(warning, dense=True)
        if info:
            solara.Info(info, dense=True)


@solara.component
def StatusLine(session: Session, version: int, playing: bool):
    snap = session.snapshot()
    p = PRESETS[session.preset]
    burn = session.policy_models[0].burn_in if session.policy_models else 0
    seeds = f"seed {snap.seeds[0]}" if len(snap.seeds) == 1 else f"seeds {snap.seeds[0]}-{snap.seeds[-1]}"
    step_ms = session.last_step_seconds * 1000
    text = (f"Month {snap.month} of the policy (of at most {MAX_MONTHS}; after a {burn}-month burn-in under the "
            f"status quo) | {seeds}, each run with the page's policy and with the status quo | scale "
            f"'{session.preset}': {p['n_users']:,} user agents, {p['n_farmers']:,} farmer agents"
            + (f" | last step {step_ms:,.0f} ms for {2 * len(snap.seeds)} models" if step_ms == step_ms else "")
            + (" | playing" if playing else ""))
    solara.v.Html(tag="div", class_="dm-status", attributes={"data-testid": "status", "data-month": str(snap.month)},
                  children=[text])
    if snap.changes:
        solara.v.Html(tag="div", class_="dm-small", attributes={"data-testid": "changes"},
                      children=["Lever changes: " + "; ".join(f"month {m}: {t}" for m, t in snap.changes[-8:])])


@solara.component
def Controls(session: Session, *, playing, set_playing, speed, set_speed, seed_choice, set_seed_choice, n_choice,
             set_n_choice, do_step, do_reset, set_budget, set_switch, apply_card, lever_version, set_error):
    levers = session.levers
    with solara.Column(gap="4px"):
        solara.v.Html(tag="div", class_="dm-section", children=["Run"])
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            solara.Button("Step", on_click=do_step(1), color="primary", disabled=playing,
                          attributes={"data-testid": "step"})
            solara.Button("+12 months", on_click=do_step(12), disabled=playing, attributes={"data-testid": "step12"})
            solara.Button("Play", on_click=lambda: set_playing(True), disabled=playing or session.at_end,
                          attributes={"data-testid": "play"})
            solara.Button("Pause", on_click=lambda: set_playing(False), disabled=not playing,
                          attributes={"data-testid": "pause"})
            solara.Button("Reset", on_click=do_reset, color="warning", outlined=True,
                          attributes={"data-testid": "reset"})
        IntSlider("Speed (months a second when playing)", speed, guarded(lambda v: set_speed(validate.speed(v)),
                                                                         set_error),
                  min=validate.SPEED_MIN, max=validate.SPEED_MAX, testid="speed")
        IntSlider("Seed (applies at Reset)", seed_choice, set_seed_choice, min=validate.SEED_MIN,
                  max=validate.SEED_MAX, testid="seed")
        IntSlider("Seeds in the ensemble (applies at Reset)", n_choice, set_n_choice, min=validate.ENSEMBLE_MIN,
                  max=validate.ENSEMBLE_MAX, testid="ensemble")
        P("Each seed runs twice: with the policy on the page and with the status quo. The bands span the seeds.")

        # the levers object is changed in place: lever_version tells the sections to draw again
        CardSection(levers, apply_card, lever_version)
        BudgetSection(levers, set_budget, lever_version)
        SwitchSection(levers, set_switch, lever_version)


# Every section keeps the same structure whatever the levers say (the same elements in the same
# places, keyed where repeated), so that a widget never changes which lever it stands for while
# a participant drags it.
@solara.component
def CardSection(levers, apply_card, lever_version: int):
    with solara.Column(gap="4px"):
        solara.v.Html(tag="div", class_="dm-section", children=["Policy cards"])
        active = [c for c in cards() if levers.matches(c)]
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            for c in cards():
                solara.Button(c.title, on_click=apply_card(c), small=True, outlined=not levers.matches(c),
                              color="primary", attributes={"data-testid": f"card-{c.key}"}).key(f"card-{c.key}")
        c = active[0] if active else None
        P(f"Now: {c.title}. {c.summary}" if c else "Now: your own policy (no card matches the levers).",
          "dm-small", testid="active-card")
        P(f"In numbers: {c.changes()}" if c else "")
        P(f"Source: {c.source}." if c else "")


@solara.component
def BudgetSection(levers, set_budget, lever_version: int):
    with solara.Column(gap="4px"):
        solara.v.Html(tag="div", class_="dm-section", children=["Budgets (USD million a year)"])
        total = levers.total
        supply = sum(levers.budget[p] for p in SUPPLY_PROGRAMS)
        share = supply / total if total > 0 else 0.0
        solara.v.Html(tag="div", class_="dm-value", attributes={"data-testid": "budget-total"}, children=[
            f"Total {musd(total)}: supply side {share:.0%}, demand side and development {1 - share:.0%} "
            f"(status quo: USD 5,500 million a year, 80% / 20%)"])
        for group, programs in (("Supply side", SUPPLY_PROGRAMS), ("Demand side and development", DEMAND_PROGRAMS)):
            P(group, "dm-small")
            for p in programs:
                BudgetSlider(p, levers.budget[p], set_budget(p)).key(f"budget-{p}")


@solara.component
def SwitchSection(levers, set_switch, lever_version: int):
    with solara.Column(gap="4px"):
        solara.v.Html(tag="div", class_="dm-section", children=["Switches"])
        for name in SWITCH_CHOICES:
            SwitchControl(name, levers.switches[name], levers.overrides(name), set_switch).key(f"switch-{name}")


@solara.component
def SwitchControl(name: str, value, overrides: dict, set_switch):
    with solara.Column(gap="0px"):
        if all(isinstance(c, bool) for c in SWITCH_CHOICES[name]):
            Toggle(SWITCH_LABEL[name], bool(value), set_switch(name), testid=f"switch-{name}")
        else:
            solara.Text(SWITCH_LABEL[name], classes=["dm-value"])
            ChoiceButtons(list(SWITCH_CHOICES[name]), value, set_switch(name, by_index=True),
                          testid=f"switch-{name}")
        P("The card sets it per country: " + ", ".join(
            f"{str(v).lower() if isinstance(v, bool) else v} in {c.replace('_', ' ').title()}"
            for c, v in overrides.items()) + " (elsewhere as shown; moving the switch applies it everywhere)."
          if overrides else "", "dm-small")
        P(SWITCH_DOC[name])


@solara.component
def BudgetSlider(program: str, usd: float, on_value):
    with solara.Column(gap="0px", classes=["dm-budget"], style={"margin-bottom": "2px"}):
        solara.v.Html(tag="div", class_="dm-value", attributes={"data-testid": f"budget-{program}"},
                      children=[f"{PROGRAM_LABEL[program]}: {musd(usd)}"])
        IntSlider(PROGRAM_LABEL[program], int(round(usd / 1e6)), on_value, min=0, max=validate.SLIDER_MAX_MUSD,
                  step=validate.SLIDER_STEP_MUSD, thumb_label=False, testid=f"slider-{program}")
        P(PROGRAM_DOC[program])


# --------------------------------------------------------------------------- views
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


@solara.component
def LeverDocs():
    P("What each lever does in the model, in one sentence, and the parameters that carry its effect with their "
      "sources and grades (H: read in the primary source; M: secondary or computed; L: placeholder or judgement). "
      "docs/ODD.md explains each mechanism.", "dm-small")
    rows = [[PROGRAM_LABEL[p] + " (budget, USD a year)", PROGRAM_DOC[p], lever_source(p)] for p in PROGRAMS]
    rows += [[SWITCH_LABEL[s] + " (switch)", SWITCH_DOC[s], lever_source(s)] for s in SWITCH_CHOICES]
    table(["Lever", "What it does in the model", "Where it comes from"], rows, attrs={"data-testid": "lever-docs"})
    solara.v.Html(tag="div", class_="dm-section", children=["Policy cards"])
    table(["Card", "What it is", "In numbers", "Source"],
          [[c.title, c.summary, c.changes(), c.source] for c in cards()],
          attrs={"data-testid": "card-docs"})
    P(NOT_MODELLED, "dm-small")

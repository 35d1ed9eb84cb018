"""The workshop page's controls: run (step, play, reset, speed, seeds), policy cards, budgets and switches.

Every section keeps the same structure whatever the levers say (the same elements in the same
places, keyed where repeated), so that a widget never changes which lever it stands for while
a participant drags it.
"""

from __future__ import annotations

import solara

from model.policy import DEMAND_PROGRAMS, PROGRAM_DOC, SUPPLY_PROGRAMS, SWITCH_CHOICES, SWITCH_DOC
from viz import validate
from viz.elements import P, guarded, musd
from viz.lever_docs import PROGRAM_LABEL, SWITCH_LABEL
from viz.presets import cards
from viz.state import Session
from viz.share_view import ShareSection
from viz.widgets import ChoiceButtons, IntSlider, NumberField, Toggle


@solara.component
def Controls(session: Session, *, playing, set_playing, speed, set_speed, seed_choice, set_seed_choice, n_choice,
             set_n_choice, do_step, do_reset, set_budget, set_switch, apply_card, lever_version, set_error):
    """The panel, in the order a first-time participant needs it: a policy, run it, adjust it, share it, and
    the seeds last."""
    levers = session.levers
    with solara.Column(gap="4px"):
        # the levers object is changed in place: lever_version tells the sections to draw again
        CardSection(levers, apply_card, lever_version)
        solara.v.Html(tag="div", class_="dm-section", children=["2. Run it"])
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            solara.Button("Play", on_click=lambda: set_playing(True), disabled=playing or session.at_end,
                          color="primary", attributes={"data-testid": "play"})
            solara.Button("Pause", on_click=lambda: set_playing(False), disabled=not playing,
                          attributes={"data-testid": "pause"})
            solara.Button("Step", on_click=do_step(1), disabled=playing, attributes={"data-testid": "step"})
            solara.Button("+12 months", on_click=do_step(12), disabled=playing, attributes={"data-testid": "step12"})
            solara.Button("Reset", on_click=do_reset, color="warning", outlined=True,
                          attributes={"data-testid": "reset"})
        IntSlider("Speed", speed, guarded(lambda v: set_speed(validate.speed(v)), set_error),
                  min=validate.SPEED_MIN, max=validate.SPEED_MAX, testid="speed")
        P(f"Play at {speed} months a second" + (" (the top: as fast as the models step; the status line shows "
                                                "the rate reached)" if speed == validate.SPEED_MAX else "") + ".",
          "dm-small", testid="speed-text")
        BudgetSection(levers, set_budget, lever_version)
        SwitchSection(levers, set_switch, lever_version)
        ShareSection(session, lever_version, seed_choice, n_choice)
        solara.v.Html(tag="div", class_="dm-section", children=["Seeds (chance)"])
        IntSlider("Seed (applies at Reset)", seed_choice, set_seed_choice, min=validate.SEED_MIN,
                  max=validate.SEED_MAX, testid="seed")
        IntSlider("Seeds in the ensemble (applies at Reset)", n_choice, set_n_choice, min=validate.ENSEMBLE_MIN,
                  max=validate.ENSEMBLE_MAX, testid="ensemble")
        P("Each seed runs twice: with the policy on the page and with the status quo. The bands span the seeds: "
          "chance only, not the uncertainty of the model's parameters.")


@solara.component
def CardSection(levers, apply_card, lever_version: int):
    with solara.Column(gap="4px"):
        solara.v.Html(tag="div", class_="dm-section", children=["1. Choose a policy"])
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
        solara.v.Html(tag="div", class_="dm-section", children=["3. Adjust it: budgets (USD million a year)"])
        total = levers.total
        supply = sum(levers.budget[p] for p in SUPPLY_PROGRAMS)
        share = supply / total if total > 0 else 0.0
        solara.v.Html(tag="div", class_="dm-value", attributes={"data-testid": "budget-total"}, children=[
            f"Total {musd(total)}: supply side {share:.0%}, demand side and development {1 - share:.0%} "
            f"(status quo: USD 5,500 million a year, 80% / 20%)"])
        for group, programs in (("Supply side", SUPPLY_PROGRAMS), ("Demand side and development", DEMAND_PROGRAMS)):
            P(group, "dm-small")
            for p in programs:
                BudgetSlider(p, levers.budget[p], set_budget(p), set_budget(p, typed=True)).key(f"budget-{p}")


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
def BudgetSlider(program: str, usd: float, on_value, on_typed):
    """A program's budget: its value, a slider (whole millions) and a number field (to 0.0001 million)."""
    with solara.Column(gap="0px", classes=["dm-budget"], style={"margin-bottom": "2px"}):
        solara.v.Html(tag="div", class_="dm-value", attributes={"data-testid": f"budget-{program}"},
                      children=[f"{PROGRAM_LABEL[program]}: {musd(usd)}"])
        with solara.Row(gap="6px", style={"align-items": "center"}):
            with solara.Div(style={"flex": "1 1 auto"}):
                IntSlider(PROGRAM_LABEL[program], int(round(usd / 1e6)), on_value, min=0,
                          max=validate.SLIDER_MAX_MUSD, step=validate.SLIDER_STEP_MUSD, thumb_label=False,
                          testid=f"slider-{program}")
            NumberField("USD million", usd / 1e6, on_typed, testid=f"number-{program}")
        P(PROGRAM_DOC[program])

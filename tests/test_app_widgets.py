"""The workshop app without a browser: page inputs, policy cards, sessions, charts, widgets, the explorer.

Fast: the sessions run at the 'tiny' scale with one or two seeds; the results
folders for the explorer come from experiments' own writers with a stand-in
simulate. The real-browser tests are tests/test_app_browser.py.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
from solara.components.echarts import EchartsWidget

from model.model import DrugMarketModel
from model.policy import PROGRAM_DOC, PROGRAMS, STATUS_QUO_BUDGET, SWITCH_CHOICES, SWITCH_DOC, SWITCHES
from model.scenario import Scenario, load_scenario, scenario_from_dict
from viz import validate
from viz.presets import MAIN_KEYS, SPECS, card, cards
from viz.state import Session, burned_in

ROOT = Path(__file__).absolute().parent.parent
PRESET = "tiny"


# --------------------------------------------------------------------------- page inputs
@pytest.mark.parametrize("value, expected", [
    (4.5e8, 4.5e8), (0, 0.0), (-1, 0.0), (1e30, validate.BUDGET_MAX_USD), (5e10, 5e10), (np.float64(1e9), 1e9),
])
def test_budgets_clamp_to_their_range(value, expected):
    assert validate.budget_usd(value) == expected


@pytest.mark.parametrize("bad", ["1e9", None, True, False, float("nan"), float("inf"), -float("inf"), [1], {}, b"1"])
def test_budgets_refuse_what_is_not_a_finite_number(bad):
    with pytest.raises(validate.PageInputError):
        validate.budget_usd(bad)


def test_budget_slider_is_million_usd():
    assert validate.budget_from_slider(450) == 4.5e8
    assert validate.budget_from_slider(10 ** 12) == validate.BUDGET_MAX_USD


def test_seed_speed_and_ensemble_are_whole_numbers_in_range():
    assert validate.seed(7) == 7
    assert validate.seed(-3) == validate.SEED_MIN
    assert validate.seed(10 ** 9) == validate.SEED_MAX
    assert validate.seed(7.0) == 7
    for bad in (7.5, "7", None, True, float("nan")):
        with pytest.raises(validate.PageInputError):
            validate.seed(bad)
    assert validate.ensemble_size(99) == validate.ENSEMBLE_MAX
    assert validate.speed(0) == validate.SPEED_MIN
    assert validate.months(1000) == validate.STEP_MONTHS_MAX


def test_switches_take_only_their_choices():
    assert validate.switch("decriminalize_possession", True) is True
    assert validate.switch("precursor_scheduling", "class") == "class"
    for name, value in [("decriminalize_possession", 1), ("decriminalize_possession", "true"),
                        ("precursor_scheduling", "CLASS"), ("precursor_scheduling", True),
                        ("no_such_switch", True), (["precursor_scheduling"], "list")]:
        with pytest.raises(validate.PageInputError):
            validate.switch(name, value)
    with pytest.raises(validate.PageInputError):
        validate.program("../../etc/passwd")


def test_choice_by_index():
    from viz.widgets import choice_by_index

    assert choice_by_index(["none", "list", "class"], 2) == "class"
    for bad in (3, -1, "1", 1.0, True, None):
        with pytest.raises(validate.PageInputError):
            choice_by_index(["none", "list", "class"], bad)


# --------------------------------------------------------------------------- policy cards
def test_the_three_main_cards_come_first_and_every_card_cites_its_source_by_title():
    keys = [c.key for c in cards()]
    assert keys[:3] == list(MAIN_KEYS)
    for c in cards():
        assert "International Drug Policy: Solutions" in c.source
        assert set(c.budget) == set(PROGRAMS) and set(c.switches) == set(SWITCHES)
        assert all(0 <= b <= validate.BUDGET_MAX_USD for b in c.budget.values())
        assert c.summary and c.title and c.changes()


def test_cards_are_read_from_the_shipped_scenario_files():
    for spec in SPECS:
        path = ROOT / "experiments" / "scenarios" / f"{spec.scenario_file}.toml"
        if not path.is_file():
            continue
        s = load_scenario(path)
        c = card(spec.key)
        assert c.budget == {p: float(s.policy.budget[p]) for p in PROGRAMS}
        assert c.switches == s.policy.switches and c.countries == s.policy.countries
        assert path.name in c.source


def test_status_quo_card_is_todays_policy_and_the_rebalancing_is_40_60():
    sq = card("status_quo")
    assert sq.budget == STATUS_QUO_BUDGET and sq.switches == SWITCHES and not sq.countries
    assert math.isclose(sq.supply_share, 0.8)
    r = card("rebalance_40_60")
    assert math.isclose(r.total, 5.5e9) and math.isclose(r.supply_share, 0.4)
    full = card("reform_package")
    assert full.supply_share <= 0.4 + 1e-9
    assert full.switches["decriminalize_possession"] and full.switches["alternative_development_before_eradication"]
    assert full.budget["alternative_development"] == 1.0e9


def test_every_card_is_a_valid_scenario():
    from model.world import load_world

    countries = load_world().country_names
    for c in cards():
        d = {"name": c.key, "preset": PRESET, "policy": {**c.switches, "budget": c.budget, "countries": c.countries}}
        scenario_from_dict(d, countries=countries)


# --------------------------------------------------------------------------- sessions
@pytest.fixture(scope="module")
def session():
    return Session(preset=PRESET, seed=1, n_seeds=2)


def test_a_copy_of_a_burned_in_template_runs_like_a_fresh_model():
    """The app's shortcut (burn in once, deep-copy per session) gives the same numbers as a new model."""
    c = card("reform_package")
    d = {"name": "x", "preset": PRESET, "months": 4,
         "policy": {**c.switches, "budget": c.budget, "countries": c.countries}}
    sc = scenario_from_dict(d)
    fresh = DrugMarketModel(sc, seed=5).run()
    s = Session(preset=PRESET, seed=5, n_seeds=1)
    s.apply_card(c)
    s.step(4)
    app = s.policy_models[0].results()
    cols = [col for col in fresh.columns if col not in ("scenario",)]
    pd.testing.assert_frame_equal(fresh[cols].reset_index(drop=True), app[cols].reset_index(drop=True))


def test_status_quo_levers_give_the_status_quo_and_a_lever_moves_the_policy_run():
    s = Session(preset=PRESET, seed=3, n_seeds=2)
    s.step(2)
    snap = s.snapshot()
    assert snap.month == 2
    np.testing.assert_array_equal(snap.policy["overdose_deaths"], snap.status_quo["overdose_deaths"])
    s.set_budget("harm_reduction", 3.0e9)
    s.set_budget("eradication", 3.0e9)
    assert s.policy_models[0].scenario.policy.budget["harm_reduction"] == 3.0e9
    assert s.status_quo_runs[0].model.scenario.policy.budget["harm_reduction"] == STATUS_QUO_BUDGET["harm_reduction"]
    s.step(3)
    snap = s.snapshot()
    assert snap.policy["eradicated_ha"].shape == (2, 5)
    assert (snap.policy["eradicated_ha"][:, 2:] > snap.status_quo["eradicated_ha"][:, 2:]).all()
    assert snap.changes and snap.changes[0][0] == 3  # logged at the month it applies from


def test_reset_goes_back_to_month_zero_with_the_levers_kept(session):
    session.set_budget("treatment", 2.0e9)
    session.step(1)
    assert session.month == 1
    session.reset(seed=4, n_seeds=1)
    assert session.month == 0 and session.seeds == [4]
    assert session.levers.budget["treatment"] == 2.0e9
    assert session.policy_models[0].scenario.policy.budget["treatment"] == 2.0e9
    assert session.snapshot().month == 0
    session.reset(seed=1, n_seeds=2)


def test_two_sessions_have_separate_models():
    a = Session(preset=PRESET, seed=1, n_seeds=1)
    b = Session(preset=PRESET, seed=1, n_seeds=1)
    assert a.policy_models[0] is not b.policy_models[0]
    assert a.policy_models[0].users.people.state is not b.policy_models[0].users.people.state
    a.set_budget("treatment", 4.0e9)
    a.step(2)
    assert b.month == 0 and b.levers.budget["treatment"] == STATUS_QUO_BUDGET["treatment"]
    assert b.policy_models[0].scenario.policy.budget["treatment"] == STATUS_QUO_BUDGET["treatment"]
    # the cached template is untouched by either session
    assert burned_in(PRESET, 1).t == 0


def test_a_card_sets_every_lever_and_a_switch_then_applies_everywhere():
    s = Session(preset=PRESET, seed=1, n_seeds=1)
    full = card("reform_package")
    s.apply_card(full)
    assert s.levers.matches(full)
    pol = s.policy_models[0].scenario.policy
    assert pol.countries == full.countries and pol.budget == full.budget
    s.set_switch("precursor_scheduling", "none")
    assert s.levers.countries == {} and pol.countries == {} and pol.switches["precursor_scheduling"] == "none"
    assert not s.levers.matches(full)
    s.apply_card(card("status_quo"))
    assert s.levers.matches(card("status_quo"))


def test_stepping_stops_at_the_end():
    import viz.state as st

    s = Session(preset=PRESET, seed=1, n_seeds=1)
    old = st.MAX_MONTHS
    st.MAX_MONTHS = 3
    try:
        assert s.step(5) and s.month == 3 and s.at_end
        assert not s.step(1) and s.month == 3
    finally:
        st.MAX_MONTHS = old


# --------------------------------------------------------------------------- charts
def test_outcome_charts_have_units_and_are_json(session):
    from viz.charts import PANELS, difference_options, outcome_options, scorecard
    from viz.worldmap import map_option

    session.step(2)
    snap = session.snapshot()
    opts = dict(outcome_options(snap))
    assert set(opts) == {k for k, *_ in PANELS}
    for key, title, unit, *_ in PANELS:
        text = opts[key]["title"]["text"]
        assert title in text and unit.split()[-1] in text, text
        json.dumps(opts[key])
    # the policy run and the status quo are both drawn, with bands over the 2 seeds
    names = [s["name"] for s in opts["overdose_deaths"]["series"]]
    assert "policy" in names and "status quo" in names and any("band" in n for n in names)
    rows = scorecard(snap)
    assert {r["key"] for r in rows} >= {"overdose_deaths", "eradicated_ha", "seized_kg", "violence_deaths"}
    for r in rows:
        assert r["unit"] in r["text_policy"] or r["unit"] == "USD"
    json.dumps(difference_options(snap))
    m = map_option(snap.map, color_by="use", month=snap.month)
    json.dumps(m)
    names = {n["name"] for n in m["series"][0]["data"]}
    assert {"Colombia", "United States", "China"} <= names
    assert m["series"][0]["links"]


def test_charts_before_the_first_month(session):
    from viz.charts import outcome_options, scorecard

    s = Session(preset=PRESET, seed=1, n_seeds=1)
    snap = s.snapshot()
    assert snap.month == 0 and scorecard(snap) == [] and outcome_options(snap) == []


# --------------------------------------------------------------------------- widgets
def _render(session):
    from viz.components import WorkshopSession

    return solara.render(WorkshopSession(session, sidebar=False), handle_error=False)


def _by_testid(rc, cls, testid):
    found = [w for w in rc.find(cls).widgets if (w.attributes or {}).get("data-testid") == testid]
    assert len(found) == 1, f"{len(found)} widgets with data-testid={testid!r}"
    return found[0]


def _text(rc, testid):
    return _by_testid(rc, v.Html, testid).children[0]


def test_page_step_slider_card_reset():
    s = Session(preset=PRESET, seed=2, n_seeds=1)
    box, rc = _render(s)
    assert "Month 0" in _text(rc, "status")
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert s.month == 1 and "Month 1 " in _text(rc, "status")
    charts = rc.find(EchartsWidget)
    assert len(charts) == 10  # overdose deaths, HIV, violence, incarceration, and six more
    before = json.dumps(charts[0].widget.option)
    slider = rc.find(v.Slider, attributes={"data-testid": "slider-harm_reduction"})
    slider.widget.v_model = 3000
    assert s.levers.budget["harm_reduction"] == 3.0e9
    assert "USD 3,000 million a year" in _text(rc, "budget-harm_reduction")
    assert "USD 8,400 million a year" in _text(rc, "budget-total")
    rc.find(v.Btn, children=["+12 months"]).widget.click()
    assert s.month == 13
    after = json.dumps(rc.find(EchartsWidget)[0].widget.option)
    assert after != before
    rc.find(v.Btn, children=["40/60 rebalancing"]).widget.click()
    assert s.levers.matches(card("rebalance_40_60"))
    assert "40/60" in _text(rc, "active-card") and "supply side 40%" in _text(rc, "budget-total")
    rc.find(v.Slider, attributes={"data-testid": "seed"}).widget.v_model = 9
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert s.month == 0 and s.seeds == [9] and "Month 0" in _text(rc, "status")


def test_page_refuses_bad_values_and_keeps_running():
    s = Session(preset=PRESET, seed=2, n_seeds=1)
    box, rc = _render(s)
    slider = rc.find(v.Slider, attributes={"data-testid": "slider-treatment"})
    for bad in ("abc", None, float("nan"), [1, 2], {"a": 1}, True):
        slider.widget.v_model = bad
        assert s.levers.budget["treatment"] == STATUS_QUO_BUDGET["treatment"]
        warnings = [w.children[0] for w in rc.find(v.Alert).widgets if w.type == "warning"]
        assert warnings and warnings[0].startswith("Ignored"), warnings
    slider.widget.v_model = 10 ** 40
    assert s.levers.budget["treatment"] == validate.BUDGET_MAX_USD
    slider.widget.v_model = -1
    assert s.levers.budget["treatment"] == 0.0
    toggle = rc.find(v.BtnToggle, attributes={"data-testid": "switch-precursor_scheduling"})
    for bad in (5, -1, "class", None, 1.5):
        toggle.widget.v_model = bad
        assert s.levers.switches["precursor_scheduling"] == "list"
    toggle.widget.v_model = 2
    assert s.levers.switches["precursor_scheduling"] == "class"
    sw = rc.find(v.Switch, attributes={"data-testid": "switch-decriminalize_possession"})
    sw.widget.v_model = "yes"
    assert s.levers.switches["decriminalize_possession"] is False
    sw.widget.v_model = True
    assert s.levers.switches["decriminalize_possession"] is True
    for testid in ("seed", "ensemble", "speed"):
        rc.find(v.Slider, attributes={"data-testid": testid}).widget.v_model = "../../etc"
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert s.month == 1


def test_every_lever_shows_its_sentence_and_the_card_its_source():
    s = Session(preset=PRESET, seed=2, n_seeds=1)
    box, rc = _render(s)
    texts = {w.children[0] for w in rc.find(v.Html, tag="p").widgets if w.children}
    for p in PROGRAMS:
        assert PROGRAM_DOC[p] in texts
    for name in SWITCH_CHOICES:
        assert SWITCH_DOC[name] in texts
    assert any(t.startswith("Source: International Drug Policy: Solutions") for t in texts)


def test_levers_docs_tab_lists_every_lever_and_card():
    from viz.lever_docs import LeverDocs

    box, rc = solara.render(LeverDocs(), handle_error=False)
    cells = [w.children[0] for w in rc.find(v.Html, tag="td").widgets if w.children]
    for p in PROGRAMS:
        assert PROGRAM_DOC[p] in cells
    for c in cards():
        assert c.source in cells


def test_workshop_waits_for_its_session_then_shows_it():
    """Workshop(result) shows progress while this browser session's Session is built (in a thread: the
    browser tests cover that part), then the page."""
    from types import SimpleNamespace

    from viz.components import Workshop

    box, rc = solara.render(Workshop(SimpleNamespace(value=None, error=None)), handle_error=False)
    assert rc.find(v.ProgressLinear).widgets
    box, rc = solara.render(Workshop(SimpleNamespace(value=None, error=RuntimeError("no"))), handle_error=False)
    assert any("could not be prepared" in w.children[0] for w in rc.find(v.Alert).widgets)
    s = Session(preset=PRESET, seed=2, n_seeds=1)
    box, rc = solara.render(Workshop(SimpleNamespace(value=s, error=None)), handle_error=False)
    assert "Month 0" in _text(rc, "status")
    s.close()  # the kernel closing while the page renders
    box, rc = solara.render(Workshop(SimpleNamespace(value=s, error=None)), handle_error=False)
    assert not [w for w in rc.find(v.Html).widgets if (w.attributes or {}).get("data-testid") == "status"]
    assert rc.find(v.Html, children=["This session has ended. Reload the page to start again."]).widgets


# --------------------------------------------------------------------------- the results explorer
def fake_simulate(scenario, seed):
    """A stand-in for model.simulate: deaths fall with the treatment budget, plus seed noise."""
    d = scenario.to_dict()
    months = int(d["months"])
    b = d["policy"]["budget"]
    tx = float(b["treatment"] if not isinstance(b["treatment"], dict) else sum(b["treatment"].values()))
    rng = np.random.default_rng(seed)
    t = np.arange(1, months + 1)
    deaths = 8000 - tx * 1e-6 + 100 * rng.standard_normal(months)
    return pd.DataFrame({
        "month": t, "overdose_deaths": deaths, "people_with_sud": 1e7 + 1e4 * rng.standard_normal(months),
        "violence_deaths": 1500 + 10 * rng.standard_normal(months), "new_hiv_pwid": 30.0 + 0 * t,
        "incarcerated": 4e5 + 0 * t, "cultivation_ha_colombia": 2e5 + 0 * t,
        **{f"spend_usd_{p}": float(b[p] if not isinstance(b[p], dict) else sum(b[p].values())) / 12 + 0 * t
           for p in PROGRAMS},
    })


@pytest.fixture(scope="module")
def results_root(tmp_path_factory):
    """A folder holding a small sweep and a comparison, written by experiments' own code."""
    from experiments.compare import compare
    from experiments.sweep import run_sweep, sweep_from_dict

    root = tmp_path_factory.mktemp("results")
    spec = sweep_from_dict({
        "name": "tiny-sweep", "design": "morris", "samples": 2, "replicates": 2, "sample_seed": 1,
        "base": {"name": "base", "preset": PRESET, "months": 12},
        "factors": {"policy.budget.treatment": {"low": 2e8, "high": 4e9, "log": True},
                    "policy.budget.harm_reduction": [2e7, 1e9]},
        "outputs": {"overdose_deaths": "mean_last_12", "violence_deaths": "sum"},
    })
    run_sweep(spec, out=root / "sweep", simulate=fake_simulate, backend="serial", figure=False)
    base = Scenario(name="status-quo", preset=PRESET, months=12)
    more = scenario_from_dict({"name": "more-treatment", "preset": PRESET, "months": 12,
                               "policy": {"budget": {"treatment": 2e9}}})
    compare(base, [more], seeds=3, simulate=fake_simulate, backend="serial", out=root / "compare", figure=False)
    (root / "not-results").mkdir()
    return root


def test_results_sets_are_found_under_the_folder_only(results_root, tmp_path):
    from viz.results import find_result_sets

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "manifest.json").write_text("{}")
    link = results_root / "link-outside"
    if not link.exists():
        link.symlink_to(outside, target_is_directory=True)
    found = dict(find_result_sets(results_root))
    assert set(found) == {"sweep", "compare"}
    assert all(results_root in p.parents for p in found.values())


def test_result_set_reads_a_sweep(results_root):
    from viz.results import ResultSet

    rs = ResultSet(results_root / "sweep")
    assert rs.kind == "sweep" and rs.design_kind == "morris"
    assert rs.factors == ["policy.budget.treatment", "policy.budget.harm_reduction"]
    assert rs.group_column == "design_row" and len(rs.group_labels) == 6
    assert rs.outcome_columns[0] == "overdose_deaths"
    per = rs.per_run("overdose_deaths")
    assert len(per) == 12 and per["value"].notna().all()
    table, note = rs.comparison()
    assert table is not None and set(table["baseline"]) == {"row 0"} and "paired" in note
    assert rs.sensitivity is not None and "mu_star" in rs.sensitivity.columns


def test_result_set_reads_a_comparison(results_root):
    from viz.results import ResultSet

    rs = ResultSet(results_root / "compare")
    assert rs.kind == "compare" and set(rs.group_labels.values()) == {"status-quo", "more-treatment"}
    table, note = rs.comparison()
    assert note == "from compare.csv"
    deaths = table[table["outcome"] == "overdose_deaths"].iloc[0]
    assert deaths["mean"] > 0  # more treatment, fewer deaths in the stand-in model


def test_explorer_figures_draw_for_every_view(results_root):
    from viz import explorer_figures as ef
    from viz.results import ResultSet

    for name in ("sweep", "compare"):
        rs = ResultSet(results_root / name)
        for fig in (ef.timeseries_figure(rs, "overdose_deaths"), ef.distribution_figure(rs, "overdose_deaths"),
                    ef.response_figure(rs, "overdose_deaths"), ef.sensitivity_figure(rs),
                    ef.comparison_figure(*rs.comparison()), ef.timeseries_figure(rs, "no_such_column")):
            fig.canvas.draw()


def test_explorer_page(results_root):
    from viz.explorer import Explorer

    box, rc = solara.render(Explorer(results_root), handle_error=False)
    summary = [w.children[0] for w in rc.find(v.Html, tag="td").widgets if w.children]
    assert "drugmarket compare" in summary  # the first set, alphabetically
    choose = rc.find(v.Select, attributes={"data-testid": "result-set"}).widget
    choose.v_model = "/etc"  # not one of the server's choices
    assert any("Ignored" in w.children[0] for w in rc.find(v.Alert).widgets)
    choose.v_model = "sweep"
    summary = [w.children[0] for w in rc.find(v.Html, tag="td").widgets if w.children]
    assert "drugmarket sweep" in summary
    tabs = _by_testid(rc, v.Tabs, "explorer-views")
    tabs.v_model = 3  # sensitivity
    rc.find(v.Html, attributes={"data-testid": "sensitivity-table"}).assert_single()
    tabs.v_model = 4  # scenarios
    rc.find(v.Html, attributes={"data-testid": "compare-table"}).assert_single()
    rc.find(v.Select, attributes={"data-testid": "baseline"}).widget.v_model = "row 2"
    cells = [w.children[0] for w in rc.find(v.Html, attributes={"data-testid": "compare-table"}).widget.children[1]
             .children[0].children]
    assert "row 2" in cells
    tabs.v_model = 99
    outcome = rc.find(v.Select, attributes={"data-testid": "outcome"}).widget
    outcome.v_model = "violence_deaths"
    outcome.v_model = "__class__"
    assert any("Ignored" in w.children[0] for w in rc.find(v.Alert).widgets)


# --------------------------------------------------------------------------- drugmarket app
def test_serve_refuses_bad_arguments(capsys, tmp_path):
    from viz.app import serve

    assert serve(["--results", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert serve(["--port", "0"]) == 2
    assert serve(["--port", "x"]) == 2
    assert serve(["--preset", "galactic"]) == 2
    for bad in ("soon", "", "inf", "nan", "-5s"):
        assert serve([f"--cull-after={bad}"]) == 2, bad
        assert "--cull-after" in capsys.readouterr().err
    assert serve(["--help"]) == 0


def test_cull_durations():
    from viz.app import DEFAULT_CULL_AFTER, cull_seconds

    assert cull_seconds("30s") == 30 and cull_seconds("10m") == 600 and cull_seconds("2h") == 7200
    assert cull_seconds("45") == 45 and cull_seconds(DEFAULT_CULL_AFTER) == 600


def test_cli_app_help():
    import subprocess

    out = subprocess.run([sys.executable, "-m", "experiments.cli", "app", "--help"], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0 and "--results" in out.stdout


def test_every_lever_names_parameters_that_exist():
    from model.params import PARAMS
    from viz.lever_docs import LEVER_PARAMS, lever_source

    assert set(LEVER_PARAMS) == set(PROGRAMS) | set(SWITCHES)
    for lever, names in LEVER_PARAMS.items():
        assert any(n in PARAMS for n in names), lever
        assert "grade" in lever_source(lever)


def test_a_play_loop_of_an_earlier_run_cannot_step_after_a_reset():
    s = Session(preset=PRESET, seed=1, n_seeds=1)
    gen = s.generation
    assert s.step(1, generation=gen) and s.month == 1
    s.reset()
    assert not s.step(1, generation=gen) and s.month == 0
    assert s.step(1, generation=s.generation) and s.month == 1


# --------------------------------------------------------------------------- freeing closed sessions
def test_a_closed_session_drops_its_models_even_while_referenced():
    import gc
    import weakref

    from viz.state import census

    s = Session(preset=PRESET, seed=1, n_seeds=2)
    s.step(2)
    models = [weakref.ref(m) for m in s.policy_models]  # its own; the status quo runs are the server's
    assert len(models) == 2 and census()["sessions_open"] >= 1
    assert s.close() == 2 and s.close() == 0  # idempotent
    gc.collect()
    assert all(r() is None for r in models)  # s itself is still referenced here
    assert s.closed and s.n_models == 0 and s.month == 0
    assert not s.step(1)
    s.reset()
    assert s.n_models == 0
    snap = s.snapshot()
    assert snap.month == 0 and snap.policy == {} and snap.map == {}
    ref = weakref.ref(s)
    del s
    gc.collect()
    assert ref() is None


def test_closing_a_kernel_frees_its_sessions_and_a_late_session_too(monkeypatch):
    """The hook viz/app.py registers with solara.lab.on_kernel_start: a kernel that closes closes its
    sessions, and a session finished after its kernel closed (a burn-in outlasting the tab) is closed at once."""
    import ipywidgets
    from solara.server import kernel, kernel_context

    import viz.app  # noqa: F401 - registers the hook

    # outside a solara server the widget registry is the process's own: the test's kernel must not close it
    monkeypatch.setattr(ipywidgets.Widget, "close_all", classmethod(lambda cls: None))
    from viz import sessions

    ctx = kernel_context.VirtualKernelContext(id="test-kernel-free", kernel=kernel.Kernel(), session_id="test")
    kernel_context.contexts[ctx.id] = ctx
    other = Session(preset=PRESET, seed=1, n_seeds=1)  # not tied to any kernel
    with ctx:
        assert sessions._kernel_id() == ctx.id
        s = sessions.adopt(Session(preset=PRESET, seed=1, n_seeds=1))
    assert ctx.id in sessions._by_kernel and s.n_models == 1
    ctx.close(reason="page-close")
    assert s.closed and s.n_models == 0
    assert not other.closed and other.n_models == 1
    assert ctx.id not in sessions._by_kernel
    late = sessions.adopt(Session(preset=PRESET, seed=1, n_seeds=1), ctx.id)
    assert late.closed and late.n_models == 0
    assert "sessions open" in sessions.census_line()

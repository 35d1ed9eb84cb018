"""The workshop page's summary without a browser: the "why" rule, the L-grade notes, the share link, the
exports, the shared status quo, the play loop and the explorer's figures per view.

The "why" rule is tested on made-up snapshots (where the answer is known) and its graph against a real
model's output columns (every column it names exists). Sessions run at the 'tiny' scale.
"""

from __future__ import annotations

import io
import threading
from types import SimpleNamespace

import ipywidgets
import numpy as np
import pandas as pd
import pytest
import solara

from model.params import PARAMS
from model.policy import PROGRAMS, SWITCHES
from viz import share, summary, validate, why
from viz.presets import card, cards
from viz.state import Levers, Session, world_countries

PRESET = "tiny"


def snap_of(columns: dict[str, tuple[float, float]], months: int = 3, seeds: int = 2):
    """A snapshot whose column c is constant: policy value, status quo value (every seed, every month)."""
    pol = {c: np.full((seeds, months), p, float) for c, (p, _) in columns.items()}
    sq = {c: np.full((seeds, months), q, float) for c, (_, q) in columns.items()}
    return SimpleNamespace(month=months, seeds=list(range(1, seeds + 1)), columns=list(columns), policy=pol,
                           status_quo=sq, version=1, has=lambda c: c in columns)


DEATHS_BY_PRECURSORS = {
    "overdose_deaths": (60.0, 100.0),
    "overdose_deaths_opioid": (40.0, 75.0), "overdose_deaths_cocaine": (15.0, 20.0),
    "overdose_deaths_methamphetamine": (5.0, 5.0),
    "fentanyl_share": (0.7, 0.72), "retail_purity_fentanyl": (0.05, 0.1),  # purity fell most
    "users_dependent_opioid": (100.0, 101.0), "overdoses_reversed": (9.0, 10.0),  # fewer reversals: not a cause
    "production_kg_fentanyl": (30.0, 100.0), "seized_kg_fentanyl": (5.0, 5.0),
    "precursor_diverted_kg_china": (10.0, 50.0), "precursor_diverted_kg_india": (10.0, 20.0),
    "precursor_seized_kg": (3.0, 3.0),
}


def test_why_follows_the_largest_part_then_the_largest_driver_that_explains_the_change():
    chain = why.explain(snap_of(DEATHS_BY_PRECURSORS), "overdose_deaths")
    assert [ln.name for ln in chain] == ["overdose_deaths", "overdose_deaths_opioid", "retail_purity_fentanyl",
                                         "production_kg_fentanyl", "precursor_diverted_kg"]
    assert [ln.how for ln in chain] == ["outcome", "part", "driver", "driver", "driver"]
    assert chain[1].diff == pytest.approx(-35.0) and chain[2].rel == pytest.approx(-0.5)
    assert chain[4].diff == pytest.approx(-50.0)  # the prefix's columns summed: China and India
    text = why.sentence(chain)
    assert text.startswith("Overdose deaths fell: mostly opioid overdose deaths (-47%), because fentanyl's retail "
                           "purity fell (-50%), because fentanyl production fell (-70%)")
    assert why.chain_levers(chain) == ["precursor_scheduling", "precursor_control"]


def test_why_names_no_driver_that_moved_the_wrong_way_or_too_little():
    cols = dict(DEATHS_BY_PRECURSORS)
    cols.update({"retail_purity_fentanyl": (0.1, 0.1), "fentanyl_share": (0.72, 0.72),
                 "users_dependent_opioid": (100.0, 100.5)})  # -0.5%: under MIN_CHANGE
    chain = why.explain(snap_of(cols), "overdose_deaths")
    assert [ln.name for ln in chain] == ["overdose_deaths", "overdose_deaths_opioid"]  # reversals fell: wrong way
    assert why.sentence(chain).endswith("mostly opioid overdose deaths (-47%).")
    cols["overdoses_reversed"] = (20.0, 9.0)  # more reversals: a channel that lowers deaths
    chain = why.explain(snap_of(cols), "overdose_deaths")
    assert chain[-1].name == "overdoses_reversed" and chain[-1].levers == ("harm_reduction",)
    assert why.explain(snap_of({"overdose_deaths": (5.0, 5.0)}), "overdose_deaths") == []


def test_every_column_the_why_rule_names_is_a_model_output():
    s = Session(preset=PRESET, seed=1, n_seeds=1)
    s.step(1)
    cols = s.snapshot().columns
    for name, n in why.NODES.items():
        assert why.node_columns(n, cols), f"{name}: none of {n.columns} among the outputs"
        for other in (*n.parts, *(d for d, _ in n.drivers)):
            if other != "@countries":
                assert why.node(other, cols) is not None, f"{name} -> {other}"
        assert set(n.levers) <= set(PROGRAMS) | set(SWITCHES), name
    countries = [c for c in cols if why.node(c, cols) is not None and c.startswith("cultivation_ha_")
                 and c not in why.NODES]
    assert {"cultivation_ha_colombia", "cultivation_ha_afghanistan"} <= set(countries)
    for c in countries:  # each country's drivers are columns too
        for d, _ in why.node(c, cols).drivers:
            assert why.node(d, cols) is not None and why.node_columns(why.node(d, cols), cols), (c, d)


def test_the_parts_add_up_to_their_outcome_in_the_models_columns():
    s = Session(preset=PRESET, seed=1, n_seeds=1)
    s.apply_card(card("reform_package"))
    s.step(2)
    snap = s.snapshot()
    for name in ("overdose_deaths", "people_using", "cultivation_ha"):
        total = why.change(snap, name)
        parts = [why.change(snap, p) for p in why._parts(why.NODES[name], snap.columns)]
        assert sum(d for d, _ in parts) == pytest.approx(total[0], rel=1e-9, abs=1e-6), name
        assert sum(q for _, q in parts) == pytest.approx(total[1], rel=1e-9), name


def test_l_notes_name_the_moved_levers_l_graded_parameters_chain_first():
    pairs = summary.resting_on(["treatment", "precursor_scheduling"], ["precursor_scheduling"])
    assert pairs[0] == ("precursor_scheduling", "precursor.escape_share")
    assert all(PARAMS[p].grade == "L" for _, p in pairs)
    assert {p for lv, p in pairs if lv == "treatment"} == {n for n in ("agency.treatment_new_places_to",
                                                                      "user.treatment_completion_per_month")}
    note = summary.l_note(pairs)
    assert note.startswith("Rests on inputs graded L") and "precursor.escape_share (Precursor scheduling)" in note
    assert summary.l_note([]) == ""
    regime = card("precursor_regime")
    assert "precursor_scheduling" in summary.moved_levers(Levers(dict(regime.budget), dict(regime.switches),
                                                                 regime.countries))


def test_cards_say_better_worse_or_chance_from_the_seed_by_seed_differences():
    levers = Levers()
    base = {"overdose_deaths_opioid": (1.0, 1.0), "overdose_deaths_cocaine": (1.0, 1.0),
            "overdose_deaths_methamphetamine": (1.0, 1.0)}
    snap = snap_of({**base, "overdose_deaths": (90.0, 100.0)})
    c = {x.key: x for x in summary.cards(snap, levers)}["overdose_deaths"]
    assert c.verdict == "better" and c.diff == pytest.approx(-30.0) and c.pct == pytest.approx(-0.1)
    assert "-30 people (-10.0%)" == c.text_change
    snap.policy["overdose_deaths"][1] = 120.0  # the second seed rose: the seeds disagree
    c = {x.key: x for x in summary.cards(snap, levers)}["overdose_deaths"]
    assert c.verdict == "chance" and c.low < 0 < c.high
    assert "chance only" in summary.BAND_NOTE


# --------------------------------------------------------------------------- inputs and the share link
def test_typed_budgets_out_of_range_or_not_numbers_are_refused_naming_the_lever_and_range():
    assert validate.budget_typed("treatment", "900") == 9e8
    assert validate.budget_typed("treatment", " 1,234.5 ") == 1.2345e9
    for bad in ("-1", "10000.5", "1e9", "nan", "NaN", "inf", "", "abc", None, [1], True, float("nan")):
        with pytest.raises(validate.PageInputError) as e:
            validate.budget_typed("treatment", bad)
        assert "treatment budget" in str(e.value) and "allowed: 0 to 10,000 (USD million a year)" in str(e.value)


@pytest.mark.parametrize("key", [c.key for c in cards()])
def test_a_share_link_restores_every_lever_of_every_card(key):
    c = card(key)
    levers = Levers(dict(c.budget), dict(c.switches), c.countries)
    q = share.to_query(levers, 17, 3)
    back, seed, n, problems = share.from_query(q, world_countries())
    assert problems == [] and (seed, n) == (17, 3)
    assert back.switches == levers.switches and back.countries == levers.countries
    assert back.budget == pytest.approx(levers.budget, abs=100.0)  # USD: the link keeps 0.0001 million
    assert back.matches(c) and share.to_query(back, 17, 3) == q


def test_a_share_link_names_what_it_cannot_use_and_applies_the_rest():
    q = ("b.treatment=900&b.harm_reduction=nan&b.prevention=20000&s.decriminalize_possession=yes"
         "&s.precursor_scheduling=class&c.atlantis.precursor_scheduling=class&seed=x&seeds=99&zzz=1")
    levers, seed, n, problems = share.from_query(q, world_countries())
    assert levers.budget["treatment"] == 9e8 and levers.switches["precursor_scheduling"] == "class"
    assert levers.budget["harm_reduction"] == Levers().budget["harm_reduction"]
    text = "; ".join(problems)
    for says in ("harm reduction budget", "prevention budget", "decriminalize_possession", "atlantis", "seed",
                 "unknown key 'zzz'"):
        assert says in text, says
    assert n == validate.ENSEMBLE_MAX and levers.countries == {}
    assert share.from_query("x" * 5000, world_countries())[3]


# --------------------------------------------------------------------------- exports, status quo, play
def test_exports_are_a_scenario_the_model_reads_a_csv_and_a_png(tmp_path):
    from model.scenario import load_scenario
    from viz import export

    s = Session(preset=PRESET, seed=1, n_seeds=2)
    s.apply_card(card("precursor_regime"))
    s.step(2)
    s.set_budget("treatment", 9.005e8)
    path = tmp_path / "x.toml"
    path.write_text(export.scenario_toml(s))
    sc = load_scenario(path)
    assert {p: float(sc.policy.budget[p]) for p in PROGRAMS} == s.levers.budget
    assert sc.policy.switches == s.levers.switches and sc.policy.countries == s.levers.countries
    assert sc.months == 2 and "month 3: treatment" in path.read_text()
    df = pd.read_csv(io.StringIO(export.outcomes_csv(s)))
    assert len(df) == 2 * 2 * 2 and {"arm", "seed", "month", "overdose_deaths"} <= set(df.columns)
    snap = s.snapshot()
    pol = df[(df.arm == "policy") & (df.seed == 2)].sort_values("month")["overdose_deaths"].to_numpy()
    np.testing.assert_allclose(pol, snap.policy["overdose_deaths"][1])
    assert export.summary_png(s)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_shared_status_quo_is_the_status_quo_run_of_that_seed():
    from model.model import DrugMarketModel
    from model.scenario import Scenario

    fresh = DrugMarketModel(Scenario(name="sq", preset=PRESET, months=3), seed=4).run()
    a = Session(preset=PRESET, seed=4, n_seeds=1)
    a.apply_card(card("reform_package"))
    a.step(3)
    b = Session(preset=PRESET, seed=4, n_seeds=1)
    b.step(3)
    assert a.status_quo_runs[0] is b.status_quo_runs[0]  # one run per server
    for col in ("overdose_deaths", "violence_deaths", "cultivation_ha_colombia", "retail_price_cocaine"):
        np.testing.assert_array_equal(a.snapshot().status_quo[col][0], fresh[col].to_numpy())
        np.testing.assert_array_equal(b.snapshot().policy[col][0], fresh[col].to_numpy())  # status quo levers


def test_play_steps_to_the_end_and_redraws_what_it_stepped():
    from viz.play import Play

    class Fake:
        closed, generation = False, 0

        def __init__(self):
            self.month = 0

        def step(self, months, generation=None):
            if self.month >= 7:
                return False
            self.month += 1
            return True

    drawn = []
    f = Fake()
    p = Play(f, 1e6, lambda: drawn.append(f.month))
    assert p.run(max_months=5) is False and f.month == 5 and drawn[-1] == 5
    assert p.run() is True and f.month == 7 and drawn[-1] == 7
    stop = threading.Event()
    stop.set()
    assert Play(Fake(), 1.0, lambda: None, stop).run() is False  # cancelled before a step


def test_explorer_views_draw_their_own_figure(tmp_path):
    """The Time series and the Distribution views sit at the same place of the page: each draws its own."""
    from experiments.compare import compare
    from model.scenario import Scenario, scenario_from_dict
    from viz.explorer import Explorer
    from test_app_widgets import fake_simulate

    base = Scenario(name="status-quo", preset=PRESET, months=12)
    more = scenario_from_dict({"name": "more-treatment", "preset": PRESET, "months": 12,
                               "policy": {"budget": {"treatment": 2e9}}})
    compare(base, [more], seeds=3, simulate=fake_simulate, backend="serial", out=tmp_path / "c", figure=False)
    box, rc = solara.render(Explorer(tmp_path / "c"), handle_error=False)

    def image() -> bytes:
        imgs = rc.find(ipywidgets.Image).widgets
        assert len(imgs) == 1
        return imgs[0].value

    import ipyvuetify as v

    series = image()
    tabs = [w for w in rc.find(v.Tabs).widgets if (w.attributes or {}).get("data-testid") == "explorer-views"][0]
    tabs.v_model = 1
    dist = image()
    assert dist != series
    tabs.v_model = 0
    assert image() == series

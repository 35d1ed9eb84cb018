"""Source countries: the frontier's churn, spraying against manual eradication, targeted eradication, the
anchored farm-gate price, alternative development's capacity, the licit-income path, and a status quo that
holds for 30 years (docs/ODD.md 7.2 and 7.5)."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.cli import main
from fakes import refused_run
from model.model import DrugMarketModel
from model.policy import STATUS_QUO_BUDGET
from model.scenario import scenario_from_dict


def _run(months=24, burn_in=12, preset="workshop", seed=1, policy=None, params=None):
    sc = scenario_from_dict({"preset": preset, "months": months, "policy": policy or {},
                             "params": {"sim.burn_in_months": burn_in, **(params or {})}})
    return DrugMarketModel(sc, seed=seed)


def _colombia_table(extra):
    from experiments.published.base import status_quo_table
    table = status_quo_table("eradication")
    table["colombia"] += extra
    return table


def test_targeted_eradication_follows_the_area_the_agency_saw():
    """The country's hectares found (chance x area) are shared among municipalities as the agency saw the
    area: where coca grew since it was seen the chance is lower, where nothing stands it is zero."""
    from model.farmers.rates import targeted
    cc = np.array([0, 0, 0, 1, 1])
    area = np.array([100.0, 200.0, 0.0, 50.0, 50.0])
    seen = np.array([100.0, 100.0, 100.0, 50.0, 50.0])
    p = targeted(np.array([0.03, 0.01]), area, seen, cc)
    assert p[2] == 0.0
    assert p[1] < p[0]  # grew since seen: lower risk
    assert np.isclose((p * area)[:3].sum(), 0.03 * 300 * 2 / 3)  # a third of the effort went where nothing stands
    assert np.allclose(p[3:], 0.01)


def test_spraying_cuts_the_harvest_and_keeps_the_area():
    """With Colombia's eradication money all on spraying, hectares are sprayed, none destroyed by the
    programme's money (others' manual money goes on), and the harvest per hectare falls."""
    table = _colombia_table(0.0)
    base = _run().run()
    spray = _run(policy={"budget": {**STATUS_QUO_BUDGET, "eradication": table},
                         "countries": {"colombia": {"eradication_spray_share": 1.0}}}).run()
    assert base["sprayed_ha_colombia"].sum() == 0.0
    assert spray["sprayed_ha_colombia"].mean() > 3000  # ha a month
    assert spray["eradicated_ha_colombia"].mean() < 0.8 * base["eradicated_ha_colombia"].mean()
    per_ha = lambda df: (df["production_kg_cocaine_colombia"] / df["cultivation_ha_colombia"]).iloc[6:].mean()  # noqa: E731
    assert per_ha(spray) < 0.97 * per_ha(base)


def test_the_frontier_churns_while_the_area_holds():
    """At the status quo new plots are planted at about farmer.frontier_entry_per_year of the area a year
    (21.5%, UNODC 2012) and as many leave (abandoned or destroyed), while the net area holds."""
    df = _run(months=36).run()
    area = df["cultivation_ha_colombia"].mean()
    entry = 12 * df["frontier_entry_ha_colombia"].mean() / area
    assert 0.12 < entry < 0.35
    assert df["frontier_abandoned_ha_colombia"].sum() > 0
    first, last = df["cultivation_ha_coca"].iloc[:12].mean(), df["cultivation_ha_coca"].iloc[-12:].mean()
    assert abs(last / first - 1) < 0.1
    towns = [c for c in df.columns if c.startswith("cultivation_ha_colombia_m")]
    assert len(towns) == 24 and np.allclose(df[towns].sum(axis=1), df["cultivation_ha_colombia"])


def test_alternative_development_can_enrol_every_household_of_a_country():
    """Capacity follows the budget up to every household, in a country with no AD in 2021 too, at the unit
    cost per family at low effort."""
    from model.calibrate import calibrate
    from model.params import defaults
    from model.world import load_world
    w = load_world()
    b = calibrate(w, defaults())
    for c in ("afghanistan", "colombia"):
        prog = b.programmes[("alternative_development", c)]
        hh = w.data[c]["crops"][next(iter(w.data[c]["crops"]))]["households"]
        assert prog.k == pytest.approx(hh)
        assert prog.activity(1e12) == pytest.approx(hh, rel=1e-6)
    afg = b.programmes[("alternative_development", "afghanistan")]
    assert afg.a0 == 0.0 and afg.activity(3e6) == pytest.approx(1000, rel=0.01)  # USD 3,000 a family at low effort


def test_licit_income_follows_its_path():
    from model.farmers.rates import licit_path
    from model.params import defaults
    p = defaults()
    assert licit_path(p, -5) == 1.0 and licit_path(p, 120) == 1.0
    p.update({"farmer.licit_income_growth_per_year": 0.03, "farmer.licit_income_index": 1.2})
    assert licit_path(p, 24) == pytest.approx(1.2 * 1.03 ** 2)


def test_a_higher_licit_income_path_cuts_cultivation():
    base = _run(months=36).run()
    richer = _run(months=36, params={"farmer.licit_income_growth_per_year": 0.1}).run()
    assert richer["cultivation_ha_coca"].iloc[-12:].mean() < 0.9 * base["cultivation_ha_coca"].iloc[-12:].mean()


@pytest.mark.slow
def test_a_billion_more_eradication_in_colombia_keeps_the_farm_gate_price_near_2021():
    """docs/ODD.md 7.5: +USD 1B a year of eradication in Colombia (the default, manual split) leaves the
    cocaine farm-gate price within +-25% of 2021 after five years (the Colombian paste price moved -0.5% at
    the 2004-05 spraying peak); a demand shock still moves it."""
    p0 = 700.0  # the world file's 2021 farm-gate price
    for seed in (1, 2):
        m = _run(months=60, burn_in=24, seed=seed,
                 policy={"budget": {**STATUS_QUO_BUDGET, "eradication": _colombia_table(1.0e9)}})
        df = m.run()
        assert 12 * (df["eradicated_ha_colombia"].iloc[12:].mean()) > 110_000  # more eradication did happen
        ratio = df["farmgate_price_cocaine"].iloc[48:].mean() / p0
        assert 0.75 <= ratio <= 1.25, (seed, ratio)
    # a demand shock still moves it: the rest of the world (60% of cocaine) wants 40% more, or less, from
    # month 1; against the same seed's status quo the price moves in the first 6-18 months, and entry or
    # abandonment at the frontier brings it most of the way back within five years
    def shocked(factor):
        m = _run(months=60, burn_in=24, seed=1)
        while m.t < 0:
            m.step()
        m.baseline.consumption0[("rest_of_world", "cocaine")] *= factor
        return m.run(60)["farmgate_price_cocaine"]
    base, up, down = shocked(1.0), shocked(1.4), shocked(0.6)
    early, late = slice(6, 18), slice(48, 60)
    assert up.iloc[early].mean() > 1.05 * base.iloc[early].mean()
    assert down.iloc[early].mean() < 0.95 * base.iloc[early].mean()
    for moved in (up, down):
        gap_early = abs(moved.iloc[early].mean() / base.iloc[early].mean() - 1)
        gap_late = abs(moved.iloc[late].mean() / base.iloc[late].mean() - 1)
        assert gap_late < gap_early


@pytest.fixture(scope="module")
def thirty_years():
    """One 30-year status-quo run, shared by the two tests that read it."""
    return _run(months=360, burn_in=24).run()


@pytest.mark.slow
def test_the_status_quo_holds_for_30_years(thirty_years):
    """Cultivation, farm-gate and retail prices and people using: the mean of years 21-30 within +-15% of the
    first output year, and no year of the 30 outside +-35% (before the anchored farm-gate price the heroin
    farm-gate price cycled between x0.2 and x3 of its first year). Workshop scale, one seed: yearly retail
    prices move up to +-30% with the noise of a few hundred frontier plots and of 1,000 people per agent."""
    df = thirty_years
    first = df.iloc[:12]
    for col in ("cultivation_ha_coca", "cultivation_ha_poppy", "farmgate_price_cocaine", "farmgate_price_heroin",
                "retail_price_cocaine", "retail_price_heroin", "people_using"):
        ratio = df[col].iloc[240:].mean() / first[col].mean()
        assert 0.85 <= ratio <= 1.15, (col, ratio)
        yearly = df[col].groupby(np.arange(len(df)) // 12).mean() / first[col].mean()
        assert yearly.between(0.65, 1.35).all(), (col, yearly.round(3).tolist())


@pytest.mark.slow
@pytest.mark.xfail(reason="the number of organizations drifts under leadership removal and takeovers "
                          "(docs/ODD.md 12, the traffickers' room); not the source-country mechanisms", strict=False)
def test_the_number_of_organizations_holds_for_30_years(thirty_years):
    df = thirty_years
    ratio = df["trafficking_orgs"].iloc[240:].mean() / df["trafficking_orgs"].iloc[:12].mean()
    assert 0.85 <= ratio <= 1.15


NEW_PARAMS = {
    "farmer.spray_yield_loss": 1.5, "farmer.frontier_entry_per_year": -0.1, "farmer.frontier_plot_life_years": 0.0,
    "farmer.frontier_land_multiple": 500.0, "farmer.frontier_entry_capacity": 0.5,
    "farmer.frontier_profit_sensitivity": -1.0, "farmer.licit_income_index": 0.0,
    "farmer.licit_income_growth_per_year": 2.0, "market.farmgate_half_life_months": 0.5,
    "agency.spraying_cost_per_ha": 10.0, "agency.eradication_detection_lag_months": 0.0,
}


@pytest.mark.parametrize("name,bad", sorted(NEW_PARAMS.items()))
def test_bad_new_parameters_exit_2_naming_the_key(name, bad, tmp_path, capsys):
    path = tmp_path / "s.toml"
    head, rest = name.split(".", 1)
    path.write_text(f'name = "bad"\n[params.{head}]\n{rest} = {bad}\n', encoding="utf-8")
    code = main(["run", str(path), "--seeds", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert rest in err


@pytest.mark.parametrize("text,key", [
    ('[policy.countries.colombia]\neradication_spray_share = 1.5\n', "eradication_spray_share"),
    ('[policy.countries.colombia]\neradication_spray_share = "all"\n', "eradication_spray_share"),
    ('[policy.countries.colombia]\neradication_spray_shar = 0.5\n', "eradication_spray_shar"),
    ('[[events]]\nmonth = 2\nset = { "policy.countries.colombia.eradication_spray_share" = -0.1 }\n',
     "eradication_spray_share"),
    ('[[events]]\nmonth = 2\nset = { "params.farmer.licit_income_index" = -1 }\n', "licit_income_index"),
])
def test_bad_spray_share_and_licit_levers_exit_2_naming_the_key(text, key, tmp_path, capsys):
    assert key in refused_run(tmp_path, capsys, f'name = "bad"\nmonths = 12\n{text}')


def test_bad_sprayed_hectares_in_a_world_file_exit_2_naming_the_key(tmp_path, capsys):
    from pathlib import Path
    world = (Path(__file__).resolve().parents[1] / "model" / "data" / "world.toml").read_text(encoding="utf-8")
    old = "sprayed_ha_per_year = 0.0"
    assert old in world
    wf = tmp_path / "world.toml"
    wf.write_text(world.replace(old, "sprayed_ha_per_year = -3.0", 1), encoding="utf-8")
    sc = tmp_path / "s.toml"
    sc.write_text(f'name = "w"\nworld = "{wf}"\n', encoding="utf-8")
    code = main(["run", str(sc), "--seeds", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "countries.colombia.crops.coca.sprayed_ha_per_year" in err


def test_new_columns_have_their_units():
    from model.outputs import unit_of
    assert unit_of("sprayed_ha_colombia") == unit_of("frontier_entry_ha") == "ha a month"
    assert unit_of("frontier_abandoned_ha_peru") == unit_of("eradicated_ha") == "ha a month"
    assert unit_of("cultivation_ha_colombia_m3") == "ha"
    assert unit_of("farmgate_supply_price_cocaine") == "USD per pure kg"

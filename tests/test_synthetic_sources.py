"""Synthetic supply from more than one place: fentanyl labs in Mexico (imported precursors, by land) and in
China (finished product, by mail), finished-product scheduling per country, and the relocation of
production to the other source over ``lab.relocation_months`` (docs/ODD.md 7.3)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from fakes import refused_run
from model.calibrate import calibrate
from model.model import DrugMarketModel
from model.params import defaults
from model.scenario import scenario_from_dict
from model.world import WorldError, build_world

ROOT = Path(__file__).resolve().parents[1]
WORLD_TEXT = (ROOT / "model" / "data" / "world.toml").read_text(encoding="utf-8")
RAW = tomllib.loads(WORLD_TEXT)
EVENT_MONTH = 6
SCHEDULE_MEXICO = [{"month": EVENT_MONTH, "set": {"policy.countries.mexico.product_scheduling": "class"}}]
SCHEDULE_CHINA = [{"month": EVENT_MONTH, "set": {"policy.countries.china.product_scheduling": "class"}}]


def _run(policy=None, events=None, world=None, params=None, months=48, seed=1, path="kernel"):
    sc = scenario_from_dict({"preset": "tiny", "months": months, "policy": policy or {}, "events": events or [],
                             "params": {"sim.burn_in_months": 12, **(params or {})}})
    return DrugMarketModel(sc, seed=seed, path=path, world=world).run()


def _late(df, col):  # the last two years, after the relocation lag
    return df[col].iloc[-24:].mean()


def _world_without_the_second_source() -> dict:
    """The default world as it was before labs could declare supply shares (no China labs, no mail routes)."""
    raw = copy.deepcopy(RAW)
    del raw["labs"]["china"]
    del raw["labs"]["mexico"]["fentanyl"]["supply_share"]
    raw["countries"]["china"]["roles"] = ["precursor"]
    raw["routes"] = [r for r in raw["routes"] if not (r["from"] == "china" and r.get("mode") == "mail")]
    return raw


def _world_with_china_supplying(share: float):
    """A world in which China ships ``share`` of the US's 2021 fentanyl directly."""
    raw = copy.deepcopy(RAW)
    raw["labs"]["mexico"]["fentanyl"]["supply_share"]["united_states"] = 1.0 - share
    raw["labs"]["china"]["fentanyl"]["supply_share"]["united_states"] = share
    return build_world(raw)


def test_the_default_world_has_two_fentanyl_sources_and_china_ships_none_in_2021():
    w = build_world(copy.deepcopy(RAW))
    assert w.origins("fentanyl") == ["mexico", "china"]
    assert not w.fed_by_precursors("china", "fentanyl") and w.fed_by_precursors("mexico", "fentanyl")
    assert any(p.modes == ("mail",) for p in w.paths[("china", "united_states")])
    b = calibrate(w, defaults())
    assert b.production0[("china", "fentanyl")] == 0.0 and b.lab_capacity0[("china", "fentanyl")] == 0.0
    assert b.sources("united_states", "fentanyl") == ["mexico"]


def test_an_old_world_file_without_the_new_fields_loads_and_calibrates_the_same():
    old = calibrate(build_world(_world_without_the_second_source()), defaults())
    new = calibrate(build_world(copy.deepcopy(RAW)), defaults())
    assert old.production0[("mexico", "fentanyl")] == new.production0[("mexico", "fentanyl")]
    assert old.ship_share0[("mexico", "fentanyl")] == new.ship_share0[("mexico", "fentanyl")]
    assert old.markups == new.markups


def test_declared_shares_set_the_2021_supply_of_each_source():
    b = calibrate(_world_with_china_supplying(0.3), defaults())
    us = {o: b.production0[(o, "fentanyl")] * b.ship_share0[(o, "fentanyl")].get("united_states", 0.0)
          * (1.0 - b.path_loss0[(o, "united_states", "fentanyl")]) for o in ("mexico", "china")}
    assert us["china"] / (us["china"] + us["mexico"]) == pytest.approx(0.3)


def test_china_takes_up_the_supply_when_mexico_is_scheduled():
    """Mexico's labs scheduled: its output falls to lab.scheduled_output_factor at once; China's shipments by
    mail rise over the lag and US fentanyl consumption recovers most of its fall. With China scheduled too
    (nowhere to relocate to) it does not recover."""
    base = _run()
    moved = _run(events=SCHEDULE_MEXICO)
    blocked = _run(policy={"countries": {"china": {"product_scheduling": "class"}}}, events=SCHEDULE_MEXICO)
    assert (moved["production_kg_fentanyl_china"].iloc[:EVENT_MONTH - 1] == 0.0).all()
    assert (base["production_kg_fentanyl_china"] == 0.0).all() and (blocked["production_kg_fentanyl_china"] == 0.0).all()
    factor = defaults()["lab.scheduled_output_factor"]
    assert _late(moved, "production_kg_fentanyl_mexico") < 2 * factor * _late(base, "production_kg_fentanyl_mexico")
    us = "consumption_kg_fentanyl_united_states"
    assert _late(moved, "production_kg_fentanyl_china") > 0.5 * _late(base, "production_kg_fentanyl_mexico")
    assert _late(blocked, us) < 0.2 * _late(base, us)                       # the fall without a second source
    assert _late(moved, us) - _late(blocked, us) > 0.5 * (_late(base, us) - _late(blocked, us))  # recovered
    assert _late(moved, "seized_kg_fentanyl_united_states") > 0.0          # the mail arrives through US ports


def test_the_relocation_takes_lab_relocation_months():
    """China's output a year after Mexico is scheduled is larger with a short lag than with a long one."""
    year_on = EVENT_MONTH + 11
    fast = _run(events=SCHEDULE_MEXICO, params={"lab.relocation_months": 3.0}, months=year_on + 1)
    slow = _run(events=SCHEDULE_MEXICO, params={"lab.relocation_months": 36.0}, months=year_on + 1)
    col = "production_kg_fentanyl_china"
    assert fast[col].iloc[year_on] > 1.5 * slow[col].iloc[year_on] > 0.0


def test_mexico_takes_up_the_supply_when_china_is_scheduled():
    """The reverse: in a world where China ships 30% of US fentanyl, scheduling China cuts its shipments and
    Mexico's labs grow to take up the supply, so US consumption recovers."""
    w = _world_with_china_supplying(0.3)
    base = _run(world=w)
    moved = _run(world=w, events=SCHEDULE_CHINA)
    blocked = _run(world=w, policy={"countries": {"mexico": {"product_scheduling": "class"}}}, events=SCHEDULE_CHINA)
    china, mexico, us = ("production_kg_fentanyl_china", "production_kg_fentanyl_mexico",
                         "consumption_kg_fentanyl_united_states")
    assert _late(moved, china) < 0.1 * _late(base, china)
    assert _late(moved, mexico) > _late(base, mexico) + 0.5 * _late(base, china)
    assert _late(moved, us) > _late(blocked, us)


def test_precursor_scheduling_in_china_does_not_touch_chinas_own_labs():
    """The two levers are separate: China's precursor scheduling acts on the precursors it supplies to
    Mexico's labs, not on finished fentanyl made in China."""
    w = _world_with_china_supplying(0.3)
    base = _run(world=w, months=24)
    pre = _run(world=w, policy={"countries": {"china": {"precursor_scheduling": "class"}}}, months=24)
    col = "production_kg_fentanyl_china"
    assert _late(pre, col) == pytest.approx(_late(base, col), rel=0.25)
    assert pre["precursor_diverted_kg_china"].iloc[-1] < 0.5 * base["precursor_diverted_kg_china"].iloc[-1]


def test_kernel_and_reference_paths_agree_under_product_scheduling():
    a = _run(events=SCHEDULE_MEXICO, months=14, seed=5)
    b = _run(events=SCHEDULE_MEXICO, months=14, seed=5, path="reference")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("text,key", [
    ('[policy.countries.mexico]\nproduct_scheduling = "ban"\n', "product_scheduling"),
    ('[policy]\nproduct_scheduling = true\n', "product_scheduling"),
    ('[policy.countries.mexico]\nproduct_schedulng = "class"\n', "product_schedulng"),
    ('[[events]]\nmonth = 2\nset = { "policy.countries.china.product_scheduling" = "list" }\n', "product_scheduling"),
    ('[params.lab]\nrelocation_months = 0.0\n', "relocation_months"),
    ('[params.lab]\nrelocation_months = nan\n', "relocation_months"),
    ('[params.lab]\nscheduled_output_factor = 1.5\n', "scheduled_output_factor"),
])
def test_bad_product_scheduling_levers_exit_2_naming_the_key(text, key, tmp_path, capsys):
    assert key in refused_run(tmp_path, capsys, f'name = "bad"\nmonths = 12\n{text}')


MEXICO_SHARE = "supply_share = { united_states = 1.0, canada = 1.0 }"
CHINA_SHARE = "supply_share = { united_states = 0.0, canada = 0.0 }"


@pytest.mark.parametrize("old,new,key", [
    (CHINA_SHARE, "supply_share = { united_states = 0.0, atlantis = 0.0 }", "labs.china.fentanyl.supply_share.atlantis"),
    (CHINA_SHARE, "supply_share = { united_states = -0.1, canada = 0.0 }", "labs.china.fentanyl.supply_share.united_states"),
    (CHINA_SHARE, "supply_share = { united_states = nan, canada = 0.0 }", "labs.china.fentanyl.supply_share.united_states"),
    (CHINA_SHARE, 'supply_share = "most"', "labs.china.fentanyl.supply_share"),
    (CHINA_SHARE, "supply_share = { united_states = 0.3, canada = 0.0 }", "supply_share.united_states"),  # 1.3 in all
    (MEXICO_SHARE, "supply_share = { united_states = 0.6, canada = 1.0 }", "supply_share.united_states"),  # 0.6 in all
    (CHINA_SHARE, "supplyshare = { united_states = 0.0 }", "labs.china.fentanyl.supplyshare"),
])
def test_bad_lab_fields_in_the_world_file_exit_2_naming_the_key(old, new, key, tmp_path, capsys):
    assert old in WORLD_TEXT
    world = tmp_path / "world.toml"
    world.write_text(WORLD_TEXT.replace(old, new, 1), encoding="utf-8")
    assert key in refused_run(tmp_path, capsys, f'name = "w"\nmonths = 12\nworld = "{world}"\n')


def test_a_share_to_a_market_no_route_reaches_is_refused():
    raw = copy.deepcopy(RAW)
    raw["routes"] = [r for r in raw["routes"] if not (r["from"] == "china" and r["to"] == "mexico")]
    raw["labs"]["china"]["fentanyl"]["supply_share"]["europe"] = 0.2
    with pytest.raises(WorldError) as e:
        build_world(raw)
    assert e.value.key == "labs.china.fentanyl.supply_share.europe" and "no route" in str(e.value)


def test_a_share_the_other_labs_cannot_take_is_refused():
    raw = copy.deepcopy(RAW)
    raw["labs"]["mexico"]["fentanyl"]["supply_share"]["united_states"] = 0.6
    with pytest.raises(WorldError) as e:
        calibrate(build_world(raw), defaults())
    assert e.value.key.startswith("labs.") and e.value.key.endswith(".supply_share.united_states")

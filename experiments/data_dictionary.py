"""The data dictionary written next to every results folder: ``columns.csv``.

One row per column of the results (the rows of ``parts/*.parquet`` and ``results.parquet``): its
name, unit (``model.outputs.unit_of``), kind (flow: an amount during the month; stock: a count at
the month's end; level: a price, purity or share in the month) and meaning. The meanings are those
of docs/ODD.md section 10, "Outputs"; a test checks that every row of that table is matched here.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

FILE = "columns.csv"

#: the columns that say which run and month a row is
KEYS = {
    "scenario": "the scenario's name",
    "seed": "the random seed (the same seeds for every scenario: common random numbers)",
    "month": "output month, 1 ... months (after the burn-in)",
    "year": "calendar year of the month: output month 1 is January of the world's calibration year (2021 by default)",
    "month_of_year": "calendar month, 1 (January) ... 12",
    "task_id": "the run's number in this results folder (parts/<task_id>.parquet)",
}

#: (pattern, meaning): <market>, <drug>, <country>, ... stand for a name; the first match wins
MEANINGS: tuple[tuple[str, str], ...] = (
    ("overdose_deaths", "overdose deaths in all modelled markets (United States, Canada, Europe)"),
    ("overdose_deaths_expected", "expected overdose deaths: the sum of the overdose-death chances of the people "
                                 "at risk this month (not drawn events; resolved below one agent)"),
    ("overdose_deaths_expected_<market>", "expected overdose deaths, by market"),
    ("overdoses_reversed_expected", "expected overdoses reversed by naloxone: the sum of the people's chances"),
    ("new_hiv_pwid_expected", "expected new HIV infections among people who inject: the sum of the chances of "
                              "the susceptible people who inject"),
    ("new_hiv_pwid_expected_<market>", "expected new HIV infections among people who inject, by market"),
    ("arrests_expected", "expected arrests of users: the sum of the people's chances"),
    ("overdose_deaths_<market>", "overdose deaths, by market or by drug group"),
    ("overdoses_reversed", "would-be-fatal overdoses prevented by naloxone"),
    ("overdoses_nonfatal", "non-fatal overdoses: an expected number, (deaths + reversed) x user.nonfatal_per_fatal"),
    ("initiations", "people who began using"),
    ("new_hiv_pwid", "new HIV infections among people who inject drugs"),
    ("arrests", "arrests of users"),
    ("referrals", "referrals to treatment instead of arrest"),
    ("treatment_entries", "people entering treatment"),
    ("deaths_<state>_<group>", "all-cause deaths among people who began the month dependent or in treatment"),
    ("person_months_<state>_<group>", "person-months of people dependent or in treatment (for mortality ratios)"),
    ("people_with_sud", "people with a substance use disorder: dependent, in treatment, or in prison with "
                        "a history of dependence"),
    ("people_with_sud_<market>", "people with a substance use disorder, by market"),
    ("people_using", "occasional or dependent users (not in treatment, remission or prison)"),
    ("in_treatment", "people in treatment"),
    ("incarcerated", "people in prison"),
    ("users_dependent_<group>", "dependent users, by drug group"),
    ("users_occasional_<group>", "occasional users, by drug group"),
    ("retail_price_<drug>", "retail price, consumption-weighted mean over the markets with users (or by market)"),
    ("retail_cost_price_<drug>", "the markup chain's retail price before scarcity"),
    ("retail_purity_<drug>", "retail purity, consumption-weighted mean over the markets with users (or by market)"),
    ("wholesale_price_<drug>", "destination wholesale price, consumption-weighted mean over the markets with users"),
    ("farmgate_price_<drug>", "world producer-level price, before country multipliers"),
    ("farmgate_supply_price_<drug>", "plant drugs: the long-run supply price the farm-gate price is pulled towards"),
    ("fentanyl_share", "fentanyl's share of heroin-equivalent opioid consumption"),
    ("fentanyl_share_<market>", "fentanyl's share of heroin-equivalent opioid consumption, by market"),
    ("consumption_kg_<drug>", "consumption, all markets including rest_of_world (or by market)"),
    ("production_kg_<drug>", "harvest or lab output (or by origin)"),
    ("seized_kg_per_event", "mean size of a seized load this month (kg pure)"),
    ("seized_value_usd_per_event", "mean value of a seized load this month at the destination wholesale price"),
    ("seized_kg_<drug>", "seizures (or by the country where the load was seized)"),
    ("flow_kg_by_mode_<mode>", "kg shipped on paths with at least one leg by the mode (maritime, land, air, mail)"),
    ("flow_kg_<country>", "flow sent through a transit country"),
    ("active_transit_nodes", "transit countries crossed by a path that carried flow this month"),
    ("succession_contests", "the organizations' succession contests (1 = one organization just after its "
                            "leaders' removal)"),
    ("farmer_share_retail_value_cocaine", "farm-gate value of cocaine produced over the retail value consumed"),
    ("cultivation_ha_<country>", "standing illicit coca or poppy area (by country, or by crop: coca, poppy)"),
    ("eradicated_ha", "forced eradication, all producers"),
    ("eradicated_ha_<country>", "forced eradication, by producer"),
    ("sprayed_ha", "hectares sprayed from the air, all producers"),
    ("sprayed_ha_<country>", "hectares sprayed from the air, by producer"),
    ("frontier_entry_ha", "frontier plots planted (gross entry), all producers"),
    ("frontier_entry_ha_<country>", "frontier plots planted (gross entry), by producer"),
    ("frontier_abandoned_ha", "frontier plots abandoned, all producers"),
    ("frontier_abandoned_ha_<country>", "frontier plots abandoned, by producer"),
    ("voluntary_eradication_ha", "uprooting on enrolment in alternative development"),
    ("replanted_ha", "planting by households eradicated in the last 24 months"),
    ("deforestation_ha", "forest cleared for coca or poppy"),
    ("ad_enrolled_households", "households enrolled in alternative development"),
    ("farmer_income_illicit_usd", "farmers' income from coca and poppy at the local farm-gate price"),
    ("farmer_income_licit_usd", "farmers' licit income"),
    ("precursor_seized_kg", "precursor chemicals seized (kg of precursor)"),
    ("precursor_diverted_kg_<country>", "precursor chemicals diverted to drug production (kg of precursor)"),
    ("labs_active", "laboratory output in lab-months of nominal size"),
    ("trafficker_assets_usd", "trafficking organizations' capital"),
    ("trafficker_revenue_usd", "trafficking revenue at destination wholesale prices"),
    ("assets_seized_usd", "laundered revenue seized"),
    ("trafficking_orgs", "trafficking organizations"),
    ("trafficker_members", "members of trafficking organizations"),
    ("seizure_events", "loads seized"),
    ("active_routes", "trafficking paths that carried flow this month"),
    ("violence_deaths", "drug-violence deaths"),
    ("spend_usd_<program>", "the policy's US budget for a programme, a twelfth of the year's (others' spending excluded)"),
)


def _regex(pattern: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"<[a-z]+>", "[a-z0-9_]+", re.escape(pattern).replace(r"\<", "<")
                                   .replace(r"\>", ">")) + "$")


_COMPILED = [(_regex(p), m) for p, m in MEANINGS]


def meaning(column: str) -> str:
    """What an output column means ('' for a column the dictionary does not know)."""
    if column in KEYS:
        return KEYS[column]
    for rx, text in _COMPILED:
        if rx.match(column):
            return text
    return ""


def kind(column: str, unit: str) -> str:
    """flow (an amount during the month), stock (at the month's end), level (price, purity, share) or key."""
    if column in KEYS:
        return "key"
    if "a month" in unit or unit == "person-months":
        return "flow"
    if unit == "fraction" or unit.startswith("USD per"):
        return "level"
    return "stock"


def rows(columns) -> list[dict[str, str]]:
    """The dictionary's rows for ``columns``, in their order."""
    from model.outputs import unit_of

    out = []
    for c in columns:
        unit = "" if c in KEYS else unit_of(c)
        out.append({"column": c, "unit": unit, "kind": kind(c, unit), "meaning": meaning(c)})
    return out


def write_data_dictionary(out: str | Path, columns=None) -> Path | None:
    """Write ``out/columns.csv`` for ``columns`` (default: those of the first part in ``out/parts``);
    None when there is nothing to describe."""
    from .storage import ResultStore, atomic_write_bytes

    out = Path(out)
    if columns is None:
        parts = ResultStore(out).existing_parts()
        if not parts:
            return None
        import pyarrow.parquet as pq

        columns = pq.read_schema(parts[0]).names
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["column", "unit", "kind", "meaning"], lineterminator="\n")
    w.writeheader()
    w.writerows(rows(columns))
    atomic_write_bytes(out / FILE, buf.getvalue().encode())
    return out / FILE

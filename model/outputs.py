"""The output contract: one row a month, in people (not agents) and US dollars.

Columns are those of the design ("Outputs", a stable contract) and more. Flows (deaths, kg, USD) are per
month; stocks (people, hectares, assets) at the month's end. Market-level prices without a market suffix
are consumption-weighted means over the markets with user agents; suffixed columns give each market.
docs/ODD.md lists every column with its unit. Each room writes its own columns; ``row`` puts them in
order.
"""

from __future__ import annotations


def row(model) -> dict:
    """This month's outputs, room by room."""
    out: dict = {"month": model.t, **calendar(model.world.calibration_year, model.t)}
    out.update(model.users.columns(model.markets.fentanyl_share, model.params))
    out.update(model.markets.columns(model))
    out.update(model.farmers.columns(model))
    out.update(model.precursors.columns(model.markets.production))
    out.update(model.traffickers.columns())
    out.update(model.markets.routes.columns())
    out["violence_deaths"] = model.traffickers.violence
    out.update(model.enforcement.spend_columns(model.policy))
    return out


def calendar(calibration_year: int, month: int) -> dict:
    """The calendar ``year`` and ``month_of_year`` (1-12) of output month ``month``: the burn-in brings the
    model to the calibration year's stocks, and the first output year is the calibration year (the
    baseline's bands are checked on it), so output month 1 is January of that year."""
    return {"year": calibration_year + (month - 1) // 12, "month_of_year": (month - 1) % 12 + 1}


def unit_of(column: str) -> str:
    """The unit of an output column (used by the summary, the figures and the app)."""
    if column.endswith("_per_event"):
        return "USD" if "_usd_" in column else "kg pure"
    if column == "succession_contests":
        return "contest units"
    if column.startswith(("retail_price_", "retail_cost_price_")):
        return "USD per pure gram"
    if column.startswith(("farmgate_price_", "farmgate_supply_price_", "wholesale_price_")):
        return "USD per pure kg"
    if column.startswith(("retail_purity_", "fentanyl_share", "naloxone_coverage", "ssp_coverage", "farmer_share")):
        return "fraction"
    if column.endswith("_usd") or column.startswith("spend_usd_") or "_usd_" in column:
        return "USD a month" if not column.startswith("trafficker_assets") else "USD"
    if column.startswith(("cultivation_ha", "eradicated_ha", "deforestation_ha", "voluntary_eradication_ha",
                          "replanted_ha", "sprayed_ha", "frontier_entry_ha", "frontier_abandoned_ha")):
        return "ha" if column.startswith("cultivation") else "ha a month"
    if column.startswith(("precursor_",)):
        return "kg a month"
    if "_kg" in column:
        return "kg pure a month"
    if column == "month":
        return "month"
    if column in ("trafficking_orgs", "labs_active", "active_routes", "active_transit_nodes"):
        return "count"
    if column in ("seizure_events",):
        return "loads a month"
    if column.startswith("person_months_"):
        return "person-months"
    if column.startswith(("people_with_sud", "people_using", "in_treatment", "incarcerated", "trafficker_members", "users_",
                          "ad_enrolled")):
        return "people" if not column.startswith("ad_") else "households"
    return "people a month"



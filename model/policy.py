"""Policy: a budget per program (US dollars a year), five switches, per-country overrides.

The status quo is today's international drug-control spending as International Drug Policy:
Solutions (docs/references.md) describes it: about $5.5B a year, about 80% supply side and 20% demand side and
development. The split across programs is an assumption (grade L, see docs/ODD.md):
the document gives the total and the 80/20 split, not the programs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROGRAMS: tuple[str, ...] = (
    "eradication",
    "interdiction",
    "domestic_enforcement",
    "precursor_control",
    "financial_targeting",
    "alternative_development",
    "treatment",
    "harm_reduction",
    "prevention",
)
SUPPLY_PROGRAMS = ("eradication", "interdiction", "domestic_enforcement", "precursor_control", "financial_targeting")
DEMAND_PROGRAMS = ("alternative_development", "treatment", "harm_reduction", "prevention")

#: program -> what one sentence says it does in the model (shown in the app and docs)
PROGRAM_DOC: dict[str, str] = {
    "eradication": "Pays for hectares of coca and poppy destroyed in producer countries (spraying and manual teams).",
    "interdiction": "Pays for patrols on trafficking routes; each raises the chance a shipment crossing that country is seized.",
    "domestic_enforcement": "Pays for police and courts in consumer markets: more arrests and a higher retail risk premium.",
    "precursor_control": "Pays for inspections and know-your-customer checks of chemical suppliers: more diverted precursor seized.",
    "financial_targeting": "Pays for anti-money-laundering investigations that seize part of traffickers' laundered proceeds.",
    "alternative_development": "Enrols farming families: roads, processing and guaranteed purchase raise their licit income.",
    "treatment": "Pays for treatment places (opioid substitution and other); treatment cuts overdose mortality.",
    "harm_reduction": "Pays for naloxone, drug checking and syringe services: fewer overdoses fatal, less HIV.",
    "prevention": "Pays for prevention programmes that lower initiation.",
}

SWITCHES: dict[str, Any] = {
    "decriminalize_possession": False,
    "alternative_development_before_eradication": False,
    "precursor_scheduling": "list",
    "product_scheduling": "none",
    "leadership_targeting": True,
}
SWITCH_CHOICES: dict[str, tuple] = {
    "decriminalize_possession": (True, False),
    "alternative_development_before_eradication": (True, False),
    "precursor_scheduling": ("none", "list", "class"),
    "product_scheduling": ("none", "class"),
    "leadership_targeting": (True, False),
}
SWITCH_DOC: dict[str, str] = {
    "decriminalize_possession": "Possession arrests are replaced by referral to treatment (Portugal 2001).",
    "alternative_development_before_eradication": "Farmers are offered enrolment before their plots are eradicated (International Drug Policy: Solutions, Solution 3).",
    "precursor_scheduling": "'list' controls named chemicals (analogues substitute after a lag); 'class' controls the whole family. Acts on the precursors a country supplies to labs anywhere.",
    "product_scheduling": "'class' schedules the finished synthetic drugs (fentanyl, methamphetamine and their class) and enforces it against a country's labs and exports: they make lab.scheduled_output_factor of their capacity, and labs in other countries take up the lost supply over lab.relocation_months. 'none': the 2021 controls as they were (their effect is in the 2021 supply shares).",
    "leadership_targeting": "Enforcement removes trafficking leaders; organizations split (kingpin strategy).",
}

#: per-country values a scenario may set under [policy.countries.<country>] (besides the switches):
#: name -> (lowest, highest, unit, what it does). Their default comes from the world file.
COUNTRY_VALUES: dict[str, tuple[float, float, str, str]] = {
    "eradication_spray_share": (0.0, 1.0, "fraction of the country's eradication budget",
                                "Share of a country's eradication money spent on aerial spraying (the rest pays manual "
                                "teams); default: the 2021 split from the world file (sprayed_ha_per_year and "
                                "eradicated_ha_per_year at their unit costs)."),
}

#: USD a year. Totals: supply 4.4e9 (80%), demand and development 1.1e9 (20%).
STATUS_QUO_BUDGET: dict[str, float] = {
    "eradication": 4.5e8,
    "interdiction": 2.75e9,
    "domestic_enforcement": 8.0e8,
    "precursor_control": 1.5e8,
    "financial_targeting": 2.5e8,
    "alternative_development": 3.5e8,
    "treatment": 4.5e8,
    "harm_reduction": 1.0e8,
    "prevention": 2.0e8,
}


@dataclass
class Policy:
    """Budgets (USD a year; a number, or a table country -> USD) and switches."""

    budget: dict[str, float | dict[str, float]] = field(default_factory=lambda: dict(STATUS_QUO_BUDGET))
    switches: dict[str, Any] = field(default_factory=lambda: dict(SWITCHES))
    countries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def switch(self, name: str, country: str | None = None) -> Any:
        """The value of a switch, overridden for ``country`` where the scenario says so."""
        if country is not None and name in self.countries.get(country, {}):
            return self.countries[country][name]
        return self.switches[name]

    def spray_share(self, country: str, default: float) -> float:
        """Share of ``country``'s eradication money spent on spraying: the scenario's value, else ``default``."""
        return float(self.countries.get(country, {}).get("eradication_spray_share", default))

    def total(self, program: str) -> float:
        b = self.budget[program]
        return float(sum(b.values())) if isinstance(b, dict) else float(b)

"""What the page says about each lever: its label, the parameters that carry its effect and where their
numbers come from, and the view that explains every lever and policy card."""

from __future__ import annotations

import solara

from model.policy import PROGRAM_DOC, PROGRAMS, SWITCH_CHOICES, SWITCH_DOC
from viz.elements import P, table
from viz.presets import NOT_MODELLED, cards

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
    "product_scheduling": "Finished-product scheduling",
    "leadership_targeting": "Leadership targeting",
}
#: the parameters that carry each lever's effect (model/params.py: value, unit, source, grade)
LEVER_PARAMS: dict[str, tuple[str, ...]] = {
    "eradication": ("agency.eradication_cost_per_ha", "agency.spraying_cost_per_ha", "farmer.spray_yield_loss"),
    "interdiction": ("agency.interdiction_cost_per_patrol", "agency.interdiction_hazard_per_patrol"),
    "domestic_enforcement": ("agency.arrest_cost", "market.risk_cost_elasticity"),
    "precursor_control": ("agency.precursor_cost_per_inspection", "precursor.inspection_seizure_max"),
    "financial_targeting": ("agency.financial_cost_per_investigation", "agency.financial_seizure_max"),
    "alternative_development": ("agency.ad_cost_per_family", "farmer.ad_licit_income_uplift"),
    "treatment": ("agency.treatment_cost_per_year", "agency.treatment_new_places_to",
                  "user.treatment_completion_per_month"),
    "harm_reduction": ("agency.naloxone_kit_cost", "agency.ssp_cost_per_client", "agency.drug_checking_cost_per_user",
                       "agency.harm_reduction_split_naloxone", "user.naloxone_added_kits_per_100k",
                       "user.drug_checking_effect"),
    "prevention": ("agency.prevention_cost_per_person", "user.prevention_max_effect"),
    "decriminalize_possession": ("user.possession_arrest_share", "user.referral_treatment_probability"),
    "alternative_development_before_eradication": ("farmer.ad_compliance",),
    "precursor_scheduling": ("precursor.escape_share", "precursor.control_coverage", "precursor.relocation_months",
                             "precursor.substitution_lag_months"),
    "product_scheduling": ("lab.scheduled_output_factor", "lab.relocation_months", "market.supply_adjust"),
    "leadership_targeting": ("trafficker.leadership_removal_probability", "trafficker.contest_violence_increase"),
}


def l_graded(lever: str) -> list[str]:
    """The parameters carrying ``lever``'s effect that are graded L (placeholder or judgement) in
    model/data/parameters.toml."""
    from model.params import PARAMS

    return [n for n in LEVER_PARAMS.get(lever, ()) if n in PARAMS and PARAMS[n].grade == "L"]


def lever_source(lever: str) -> str:
    """Where a lever's numbers come from: its parameters with value, unit, source and grade (H, M, L, C)."""
    from model.params import PARAMS

    parts = []
    for name in LEVER_PARAMS.get(lever, ()):
        p = PARAMS.get(name)
        if p is not None:
            value = f"{p.default:g}" if isinstance(p.default, (int, float)) else str(p.default)
            parts.append(f"{name} = {value} {p.unit}: {p.source} (grade {p.grade})")
    return "; ".join(parts + ["docs/ODD.md sections 7 and 8"])


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

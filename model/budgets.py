"""Budgets to programmes: which policy budget pays for a programme, and how much of it reaches one place.

The policy gives a budget per programme (model/policy.py), as one number or as a table country -> USD.
A table is read as it stands. One number is shared among places by the status-quo rule that calibration
sets (``Baseline.budget_share``: where the activity was in 2021). Harm reduction pays for three
programmes, split by ``agency.harm_reduction_split_*``; treatment for two, community places and agonist
treatment in prison, split by ``agency.treatment_split_prison``; eradication for two, manual eradication and
spraying, split per country by its spray share. Everything else reads budgets through here.
"""

from __future__ import annotations

from model.params import PARAMS

#: the programmes the harm-reduction budget pays for
HARM_REDUCTION_PARTS = ("naloxone", "ssp", "drug_checking")
#: the programmes the treatment budget pays for: community places and agonist treatment in prison
TREATMENT_PARTS = ("treatment", "treatment_prison")
#: the programmes the eradication budget pays for: manual eradication (plots destroyed) and aerial spraying,
#: split per country by its spray share (``Policy.spray_share``)
ERADICATION_PARTS = ("eradication", "spraying")


def budget_key(program: str) -> str:
    """The policy budget that pays for ``program``."""
    if program in HARM_REDUCTION_PARTS:
        return "harm_reduction"
    if program in TREATMENT_PARTS:
        return "treatment"
    return "eradication" if program in ERADICATION_PARTS else program


def programmes_paid_by(key: str) -> tuple[str, ...]:
    """The programmes a policy budget pays for."""
    if key == "harm_reduction":
        return HARM_REDUCTION_PARTS
    if key == "treatment":
        return TREATMENT_PARTS
    return ERADICATION_PARTS if key == "eradication" else (key,)


def harm_reduction_split(params: dict) -> dict[str, float]:
    """Share of the harm-reduction budget for each of its programmes."""
    split = {"naloxone": params["agency.harm_reduction_split_naloxone"], "ssp": params["agency.harm_reduction_split_ssp"]}
    split["drug_checking"] = max(0.0, 1.0 - split["naloxone"] - split["ssp"])
    return split


def treatment_split(params: dict, status_quo: bool = False) -> dict[str, float]:
    """Share of the treatment budget for community places and for agonist treatment in prison: the
    scenario's, or (``status_quo``) the 2021 share that calibration buys the 2021 places with, so that money
    moved to prison is taken from community places."""
    s = PARAMS["agency.treatment_split_prison"].default if status_quo else params["agency.treatment_split_prison"]
    return {"treatment": 1.0 - s, "treatment_prison": s}


def split_of(program: str, params: dict, status_quo: bool = False) -> float:
    """Share of its policy budget that goes to ``program`` (1 unless it is a part of harm reduction or of
    treatment; the eradication parts' split is per country and read each month, model/enforcement/agent.py).
    ``status_quo``: the treatment parts' 2021 split (calibration's)."""
    if program in HARM_REDUCTION_PARTS:
        return harm_reduction_split(params)[program]
    return treatment_split(params, status_quo)[program] if program in TREATMENT_PARTS else 1.0


def programme_budget(budget, place, share: float, split: float) -> float:
    """USD a year for a programme in ``place``: from a table, the place's entry; from one number, the place's
    ``share`` of it; times the programme's ``split`` of its policy budget."""
    if isinstance(budget, dict):
        amount = float(budget.get(place, 0.0))
    else:
        amount = float(budget) * share
    return amount * split

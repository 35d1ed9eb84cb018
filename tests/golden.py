"""Fixed-seed runs whose full outputs are hashed: a change that claims to change no output is checked
against the hashes recorded in tests/data/output_hashes.json (``python tests/golden.py --record`` rewrites
them, which only a change meant to move outputs should do)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HASHES = Path(__file__).parent / "data" / "output_hashes.json"
SCENARIOS = Path(__file__).resolve().parents[1] / "experiments" / "scenarios"

# (name, scenario file or None for the status quo, preset, months, burn-in, seed, path)
CASES = [
    ("status_quo_tiny_kernel", None, "tiny", 14, 4, 5, "kernel"),
    ("status_quo_tiny_reference", None, "tiny", 14, 4, 5, "reference"),
    ("combined_package_tiny_kernel", "combined_package.toml", "tiny", 14, 4, 3, "kernel"),
    ("combined_package_tiny_reference", "combined_package.toml", "tiny", 14, 4, 3, "reference"),
    ("precursor_regime_tiny_kernel", "precursor_regime.toml", "tiny", 30, 2, 2, "kernel"),
    ("portugal_tiny_kernel", "portugal_decriminalization.toml", "tiny", 14, 2, 4, "kernel"),
    ("ad_tripled_tiny_kernel", "alternative_development_tripled.toml", "tiny", 14, 2, 6, "kernel"),
    ("harm_reduction_tiny_kernel", "harm_reduction_500m.toml", "tiny", 14, 2, 8, "kernel"),
    ("events_tiny_kernel", "EVENTS", "tiny", 12, 2, 9, "kernel"),
    ("events_tiny_reference", "EVENTS", "tiny", 12, 2, 9, "reference"),
    ("rebalance_workshop_kernel", "rebalance_40_60.toml", "workshop", 24, 24, 7, "kernel"),
]


def run_case(name: str):
    from model.model import DrugMarketModel

    _, _, _, _, _, seed, path = next(c for c in CASES if c[0] == name)
    return DrugMarketModel(case_scenario(name), seed=seed, path=path).run()


def case_scenario(name: str):
    from model.scenario import load_scenario, scenario_from_dict

    _, file, preset, months, burn_in, seed, path = next(c for c in CASES if c[0] == name)
    sets = [f"preset={preset}", f"months={months}", f"params.sim.burn_in_months={burn_in}"]
    if file == "EVENTS":
        sc = scenario_from_dict({
            "preset": preset, "months": months, "params": {"sim.burn_in_months": burn_in},
            "policy": {"leadership_targeting": True, "alternative_development_before_eradication": False,
                       "budget": {"eradication": 8e8, "alternative_development": {"colombia": 6e8},
                                  "harm_reduction": 4e8}},
            "events": [{"month": 3, "set": {"policy.countries.china.precursor_scheduling": "class",
                                            "policy.countries.colombia.eradication_spray_share": 0.6}},
                       {"month": 5, "set": {"params.user.naloxone_reversal_probability": 0.9,
                                            "params.farmer.licit_income_index": 1.2,
                                            "policy.decriminalize_possession": True}},
                       {"month": 7, "set": {"policy.budget.interdiction": 2e9}}]})
    elif file is None:
        sc = scenario_from_dict({"preset": preset, "months": months, "params": {"sim.burn_in_months": burn_in}})
    else:
        sc = load_scenario(str(SCENARIOS / file), sets)
    return sc


def digest(df) -> str:
    return hashlib.sha256(df.to_csv(index=False, float_format="%.17g").encode()).hexdigest()


def recorded() -> dict:
    return json.loads(HASHES.read_text())


if __name__ == "__main__":
    names = [c[0] for c in CASES]
    out = {n: digest(run_case(n)) for n in names}
    if "--record" in sys.argv:
        HASHES.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))

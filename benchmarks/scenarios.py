"""The scenario a benchmark runs: a preset for some months under the status quo, with the model's burn-in
or a shorter one (quick runs)."""

from __future__ import annotations


def scenario(preset: str, months: int, burn_in: int | None = None, name: str = "benchmark"):
    from model.scenario import scenario_from_dict  # not at import: the child starts its clock first

    d = {"name": name, "preset": preset, "months": int(months)}
    if burn_in is not None:
        d["params"] = {"sim.burn_in_months": int(burn_in)}
    return scenario_from_dict(d)

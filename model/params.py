"""The model's parameters: one registry, each with unit, default, valid range, source and grade.

Every behavioural parameter lives in model/data/parameters.toml and nowhere else: this module reads it
into ``PARAMS``. Scenario files override values by dotted name under ``[params]``; the scenario
validator (model/scenario/) checks names and ranges against this table, docs/ODD.md lists it (a test
keeps the two in step), and the app reads units and explanations from it.

Grades: H read in the primary source, M secondary or computed from H inputs, L placeholder or
judgement, C calibrated (derived by model/calibrate/ from the observed 2021 stocks, not set by hand).

Stocks of the calibration year (hectares, users by state, prices by market) are data of the world file
(model/data/world.toml), not parameters.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    unit: str
    low: float | None
    high: float | None
    source: str
    grade: str
    doc: str
    choices: tuple | None = None

    def check(self, value: Any) -> str | None:
        """Return a message if ``value`` is not allowed, else None."""
        if self.choices is not None:
            if value not in self.choices:
                return f"must be one of {', '.join(map(repr, self.choices))}"
            return None
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                return "must be true or false"
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number ({self.unit})"
        if value != value or value in (float("inf"), float("-inf")):
            return "must be a finite number"
        if isinstance(self.default, int) and not float(value).is_integer():
            return "must be a whole number"
        if self.low is not None and value < self.low:
            return f"must be in [{self.low}, {self.high}] {self.unit}"
        if self.high is not None and value > self.high:
            return f"must be in [{self.low}, {self.high}] {self.unit}"
        return None


def load_table(filename: str = "parameters.toml") -> dict[str, Param]:
    """The entries of a table of model/data (parameters.toml, or the ledger's weights in ledger.toml)."""
    table = tomllib.loads(resources.files("model").joinpath(f"data/{filename}").read_text(encoding="utf-8"))
    out = {}
    for name, e in table.items():
        choices = tuple(e["choices"]) if "choices" in e else None
        out[name] = Param(name, e["default"], e["unit"], e.get("low"), e.get("high"), e["source"], e["grade"],
                          e["doc"], choices)
    return out


PARAMS: dict[str, Param] = load_table()


def defaults() -> dict[str, Any]:
    """The default value of every parameter, by dotted name."""
    return {name: p.default for name, p in PARAMS.items()}


def scenario_params(scenario) -> dict[str, Any]:
    """Every parameter's value in ``scenario``: its override (``[params]``), else the default."""
    return {**defaults(), **{k.removeprefix("params."): v for k, v in scenario.params.items()}}

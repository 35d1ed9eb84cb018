"""Scenarios: which policy, at which scale, for how long, with which parameters.

A scenario file is TOML and only data (nothing in it is evaluated or imported).
Its shape (see experiments/scenarios/status_quo.toml for a complete, commented one)::

    name = "rebalance-40-60"
    preset = "workshop"            # model.presets.PRESETS
    months = 120                   # 1..1200
    world = "my_world.toml"        # optional; relative to the scenario file

    [policy]                       # switches (model.policy.SWITCHES)
    precursor_scheduling = "list"
    [policy.budget]                # USD a year; a program left out keeps its status-quo amount
    treatment = 1.2e9
    [policy.budget.alternative_development]   # or one amount per country
    colombia = 6.0e8
    [policy.countries.china]       # a switch overridden for one country
    precursor_scheduling = "class"

    [[events]]                     # levers that change at an output month
    month = 24
    set = { "policy.budget.treatment" = 2.0e9 }

    [params]                       # model.params.PARAMS by dotted name
    user.naloxone_reversal_probability = 0.9

Every value can also be set by dotted key (``--set key=value`` on the command
line, ``set`` of an event, :func:`set_value`):

    name, preset, months, world,
    policy.<switch>, policy.budget.<program>, policy.budget.<program>.<country>,
    policy.countries.<country>.<switch>, params.<parameter> (or just <parameter>).

Bad input raises :class:`ScenarioError`, whose message names the key, the value,
what is allowed and, for a misspelt key, the closest valid one.
"""

from model.scenario.build import (
    Event, Scenario, apply_overrides, canonical_key, check_countries, scenario_from_dict, set_value,
)
from model.scenario.files import SCENARIO_DIR, load_scenario
from model.scenario.keys import MAX_BUDGET, MAX_MONTHS
from model.scenario.messages import ScenarioError, parse_value

__all__ = [
    "ScenarioError",
    "Event",
    "Scenario",
    "scenario_from_dict",
    "load_scenario",
    "apply_overrides",
    "set_value",
    "parse_value",
    "canonical_key",
    "check_countries",
    "SCENARIO_DIR",
    "MAX_BUDGET",
    "MAX_MONTHS",
]

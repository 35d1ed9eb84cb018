"""The Scenario and its events, built from a dict or changed by dotted key, validated once."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from model.params import PARAMS
from model.policy import Policy
from model.scenario.keys import (
    EVENT_KEYS, TOP_SCALARS, _assign, _country, _leaves, _no_duplicates, _Target, _target, _whole,
)
from model.scenario.messages import ScenarioError, _bad, _did_you_mean, _fmt, _unknown, parse_value
from model.scenario.to_toml import to_toml


@dataclass
class Event:
    """A change of levers at an output month (``month`` >= 1), applied in file order."""

    month: int
    set: dict[str, Any]  # canonical dotted key -> validated value


@dataclass
class Scenario:
    name: str = "status-quo"
    preset: str = "workshop"
    months: int = 120
    policy: Policy = field(default_factory=Policy)
    events: list[Event] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # overrides only, names of PARAMS
    world: str | None = None  # path of a world TOML file; None = the shipped world

    def param(self, name: str) -> Any:
        """The scenario's value of a parameter: its override, else the default."""
        if name.startswith("params."):
            name = name[len("params."):]
        if name in self.params:
            return self.params[name]
        if name not in PARAMS:
            raise KeyError(f"{name!r}: unknown parameter{_did_you_mean(name, PARAMS)}")
        return PARAMS[name].default

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (TOML and JSON types only) that :func:`scenario_from_dict` reads back."""
        d: dict[str, Any] = {"name": self.name, "preset": self.preset, "months": self.months}
        if self.world is not None:
            d["world"] = self.world
        d["policy"] = {
            **self.policy.switches,
            "budget": copy.deepcopy(self.policy.budget),
            "countries": copy.deepcopy(self.policy.countries),
        }
        d["events"] = [{"month": e.month, "set": copy.deepcopy(e.set)} for e in self.events]
        d["params"] = dict(self.params)
        return d

    def apply_events(self, month: int, params: dict) -> bool:
        """Apply the events of output month ``month`` (already validated): policy keys change this
        scenario's policy, parameter keys change ``params``. Returns whether any event applied."""
        applied = False
        for ev in self.events:
            if ev.month == month:
                for key, value in ev.set.items():
                    if key.startswith("params."):
                        params[key.removeprefix("params.")] = value
                    else:
                        set_value(self, key, value)
                applied = True
        return applied

    def to_toml(self) -> str:
        """The scenario as a TOML file (complete: every switch and program is written)."""
        return to_toml(self.to_dict())



def _countries(countries: Iterable[str] | None) -> frozenset[str] | None:
    return None if countries is None else frozenset(str(c).strip().lower() for c in countries)


def _check_horizon(s: Scenario) -> None:
    for i, e in enumerate(s.events):
        if not 1 <= e.month <= s.months:
            raise _bad(f"events[{i}].month", e.month, f"must be a whole number from 1 to months ({s.months})")


def _events(raw: Any, months: int, countries: frozenset[str] | None) -> list[Event]:
    if not isinstance(raw, list):
        raise _bad("events", raw, "must be an array of tables: [[events]] month = ..., set = { ... }")
    out = []
    for i, ev in enumerate(raw):
        k = f"events[{i}]"
        if not isinstance(ev, dict):
            raise _bad(k, ev, "must be a table with month = <1..months> and set = { key = value, ... }")
        for kk in ev:
            if kk not in EVENT_KEYS:
                if not isinstance(kk, str):
                    raise ScenarioError(f"{k}: keys must be text, not {_fmt(kk)}", k)
                raise _unknown(f"{k}.{kk}", "key of an event", kk, EVENT_KEYS)
        if "month" not in ev:
            raise ScenarioError(f"{k}.month: missing; each [[events]] needs month = <1..{months}>", f"{k}.month")
        month = _whole(ev["month"], f"{k}.month", 1, months, f"the scenario's months = {months}")
        if "set" not in ev:
            raise ScenarioError(f"{k}.set: missing; each [[events]] needs set = {{ \"dotted.key\" = value, ... }}", f"{k}.set")
        sets = ev["set"]
        if not isinstance(sets, dict) or not sets:
            raise _bad(f"{k}.set", sets, 'must be a non-empty table, e.g. { "policy.budget.treatment" = 2.0e9 }')
        leaves: list[tuple[_Target, Any]] = []
        for key, v in sets.items():
            if not isinstance(key, str):
                raise ScenarioError(f"{k}.set: keys must be text, not {_fmt(key)}", f"{k}.set")
            leaves += _leaves(key, v, countries, shorthand=True, where=f"{k}.set.")
        for t, _ in leaves:
            if t.kind in TOP_SCALARS:
                raise ScenarioError(
                    f"{k}.set.{t.key}: cannot change during a run; events may set only policy.* and params.* keys",
                    f"{k}.set.{t.key}")
        _no_duplicates(leaves, f"{k}.set.")
        out.append(Event(month, {t.key: v for t, v in leaves}))
    return out


# --- public functions ---------------------------------------------------------------


def scenario_from_dict(d: dict, *, countries: Iterable[str] | None = None, source: str = "<dict>") -> Scenario:
    """Validate a dict (parsed TOML or :meth:`Scenario.to_dict`) into a Scenario.

    Whatever it leaves out keeps the status quo (:class:`Scenario` defaults).
    """
    try:
        if not isinstance(d, dict):
            raise ScenarioError(f"a scenario must be a table of keys, not {_fmt(d)}")
        cs = _countries(countries)
        s = Scenario()
        leaves: list[tuple[_Target, Any]] = []
        for k, v in d.items():
            if not isinstance(k, str):
                raise ScenarioError(f"keys must be text, not {_fmt(k)}")
            if k == "events":
                continue
            if k == "world" and v is None:  # JSON null: the shipped world
                continue
            leaves += _leaves(k, v, cs, shorthand=False)
        _no_duplicates(leaves)
        for t, v in leaves:
            _assign(s, t, v)
        if "events" in d:
            s.events = _events(d["events"], s.months, cs)
        return s
    except ScenarioError as e:
        if source != "<dict>":
            e.source = e.source or source
        raise


def check_countries(s: Scenario, countries: Iterable[str]) -> None:
    """Every country ``s`` names is one of ``countries``. A scenario read without its world's countries
    takes any name; this checks them once the world is known, with the message reading would give."""
    cs = _countries(countries)
    for prog, b in s.policy.budget.items():
        if isinstance(b, dict):
            for c in b:
                _country(c, f"policy.budget.{prog}.{c}", cs)
    for c in s.policy.countries:
        _country(c, f"policy.countries.{c}", cs)
    for i, ev in enumerate(s.events):
        for key in ev.set:
            _target(key, cs, shorthand=True, where=f"events[{i}].set.")


def canonical_key(key: str) -> str:
    """The canonical dotted form of a scenario key, as the validator resolves it (``user.x`` ->
    ``params.user.x``, country names lower case); raises ScenarioError naming the key if unknown."""
    return _target(key.strip(), None, shorthand=True).key


def set_value(scenario: Scenario, key: str, value: Any, *, countries: Iterable[str] | None = None) -> None:
    """Set one dotted key (in place), validated; a table value sets each of its keys.

    ``policy.budget.<program>.<country>`` on a program given as one number turns it
    into a table holding only the countries named.
    """
    if not isinstance(key, str):
        raise ScenarioError(f"a key must be text, not {_fmt(key)}")
    leaves = _leaves(key.strip(), value, _countries(countries), shorthand=True)
    _no_duplicates(leaves)
    if any(t.kind == "months" for t, _ in leaves):
        trial = copy.copy(scenario)
        trial.months = next(v for t, v in leaves if t.kind == "months")
        _check_horizon(trial)
    for t, v in leaves:
        _assign(scenario, t, v)


def apply_overrides(scenario: Scenario, overrides: Sequence[str], *, countries: Iterable[str] | None = None) -> Scenario:
    """A new Scenario with ``key=value`` overrides (``--set``) applied in order."""
    if isinstance(overrides, str):
        overrides = [overrides]
    s = copy.deepcopy(scenario)
    for item in overrides:
        try:
            if not isinstance(item, str) or "=" not in item:
                raise ScenarioError(f"{_fmt(item)}: expected key=value, e.g. policy.budget.treatment=2e9",
                                    item if isinstance(item, str) else None)
            key, _, text = item.partition("=")
            if not key.strip():
                raise ScenarioError(f"{_fmt(item)}: the key before '=' is empty", None)
            set_value(s, key, parse_value(text), countries=countries)
        except ScenarioError as e:
            e.source = e.source or "--set"
            raise
    return s


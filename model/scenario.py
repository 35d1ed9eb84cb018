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

from __future__ import annotations

import copy
import datetime
import difflib
import json
import math
import numbers
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.params import PARAMS
from model.policy import PROGRAMS, STATUS_QUO_BUDGET, SWITCH_CHOICES, SWITCHES, Policy
from model.presets import PRESETS

__all__ = [
    "ScenarioError",
    "Event",
    "Scenario",
    "scenario_from_dict",
    "load_scenario",
    "apply_overrides",
    "set_value",
    "parse_value",
    "SCENARIO_DIR",
    "MAX_BUDGET",
    "MAX_MONTHS",
]

#: where the shipped scenario files live (``load_scenario("status_quo")`` finds them)
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "experiments" / "scenarios"
MAX_MONTHS = 1200
#: USD a year for one program; far above any real budget (the status quo totals 5.5e9)
MAX_BUDGET = 1.0e12
MAX_NAME_LENGTH = 200

TOP_SCALARS = ("name", "preset", "months", "world")
TOP_KEYS = TOP_SCALARS + ("policy", "events", "params")
POLICY_KEYS = tuple(SWITCHES) + ("budget", "countries")
EVENT_KEYS = ("month", "set")
_PARAM_HEADS = frozenset(name.split(".")[0] for name in PARAMS)
_PARAM_PREFIXES = frozenset(
    ".".join(name.split(".")[:i]) for name in PARAMS for i in range(1, name.count(".") + 1)
)


class ScenarioError(ValueError):
    """Bad scenario input.

    ``key`` is the dotted key at fault (or None, e.g. for malformed TOML);
    ``source`` is where the input came from (a file path, ``--set``), or None.
    ``str(e)`` is a one-paragraph message for a person.
    """

    def __init__(self, message: str, key: str | None = None, source: str | None = None):
        super().__init__(message, key, source)
        self.message = message
        self.key = key
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message

    def __reduce__(self):  # keep key and source across pickling (dask workers)
        return (type(self), (self.message, self.key, self.source))


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

    def to_toml(self) -> str:
        """The scenario as a TOML file (complete: every switch and program is written)."""
        return _to_toml(self.to_dict())


# --- messages -------------------------------------------------------------------


def _fmt(v: Any, depth: int = 0) -> str:
    """A short, TOML-like rendering of a value for messages."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        if v.bit_length() > 100:
            return f"<an integer of about {int(v.bit_length() * 0.30103)} digits>"
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        s = json.dumps(v, ensure_ascii=False)
        if not s.isprintable():
            s = json.dumps(v)
        return s if len(s) <= 60 else s[:56] + '..."'
    if v is None:
        return "nothing (null)"
    if isinstance(v, dict):
        if depth > 1:
            return "{...}"
        items = [f"{k if isinstance(k, str) else _fmt(k)} = {_fmt(x, depth + 1)}" for k, x in list(v.items())[:3]]
        return "{" + ", ".join(items) + (", ...}" if len(v) > 3 else "}")
    if isinstance(v, (list, tuple)):
        if depth > 1:
            return "[...]"
        items = [_fmt(x, depth + 1) for x in list(v)[:3]]
        return "[" + ", ".join(items) + (", ...]" if len(v) > 3 else "]")
    return f"<{type(v).__name__}>"


def _kind_of(v: Any) -> str:
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, (list, tuple)):
        return "an array"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, str):
        return "text"
    if isinstance(v, (int, float)):
        return "a number"
    return _fmt(v)


def _not(v: Any) -> str:
    """ "not text" etc., with a hint when text reads as a number or true/false."""
    msg = f"not {_kind_of(v)}"
    if isinstance(v, str):
        parsed = parse_value(v)
        if isinstance(parsed, (bool, int, float)) and parsed == parsed:
            msg += f" (write it without quotes: {v.strip()})"
    return msg


def _did_you_mean(word: str, candidates: Iterable[str], *, show: str = "{}") -> str:
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{show.format(match[0])}'?" if match else ""


def _unknown(key: str, what: str, word: str, candidates: Sequence[str], *, show: str = "{}", hint: str = "") -> ScenarioError:
    msg = f"{key}: unknown {what}" + _did_you_mean(word, candidates, show=show)
    if hint:
        msg += f"; {hint}"
    elif "did you mean" not in msg and len(candidates) <= 12:
        msg += f"; allowed: {', '.join(candidates)}"
    return ScenarioError(msg, key)


def _bad(key: str, value: Any, what: str) -> ScenarioError:
    return ScenarioError(f"{key} = {_fmt(value)}: {what}", key)


# --- keys -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """What a dotted key refers to."""

    kind: str  # name preset months world switch budget budget_country country_switch param table
    key: str  # canonical dotted key (country lower-cased, "params." prefix)
    item: str | None = None  # switch, program or parameter name
    country: str | None = None


def _country(name: Any, key: str, countries: frozenset[str] | None) -> str:
    if not isinstance(name, str) or not name.strip() or "." in name:
        raise ScenarioError(f"{key}: a country name must be non-empty text without dots, not {_fmt(name)}", key)
    c = name.strip().lower()
    if countries is not None and c not in countries:
        allowed = sorted(countries)
        raise ScenarioError(
            f"{key}: unknown country {name!r}{_did_you_mean(c, allowed) or '.'} "
            f"The world's countries are: {', '.join(allowed)}.",
            key,
        )
    return c


def _param_target(name: str, key: str) -> _Target:
    if name in PARAMS:
        return _Target("param", f"params.{name}", name)
    if name in _PARAM_PREFIXES:
        return _Target("table", f"params.{name}")
    raise _unknown(
        key, "parameter", name, sorted(PARAMS),
        hint="" if difflib.get_close_matches(name, list(PARAMS), n=1, cutoff=0.6)
        else "the parameters are listed in model/params.py and docs/ODD.md",
    )


def _target(key: str, countries: frozenset[str] | None, *, shorthand: bool, where: str = "") -> _Target:
    """Resolve a dotted key (raises ScenarioError naming ``where + key`` if unknown)."""
    full = where + key
    parts = key.split(".")
    head = parts[0]

    def not_a_table(n: int) -> ScenarioError:
        return ScenarioError(
            f"{full}: unknown key; {'.'.join(parts[:n])} is a single value, not a table", full)

    if head in TOP_SCALARS:
        if len(parts) > 1:
            raise not_a_table(1)
        return _Target(head, head)
    if head == "events":
        raise ScenarioError(
            f"{full}: events cannot be set by key; write them as [[events]] tables in the scenario file", full)
    if head == "policy":
        if len(parts) == 1:
            return _Target("table", "policy")
        sub = parts[1]
        if sub in SWITCHES:
            if len(parts) > 2:
                raise not_a_table(2)
            return _Target("switch", f"policy.{sub}", sub)
        if sub == "budget":
            if len(parts) == 2:
                return _Target("table", "policy.budget")
            prog = parts[2]
            if prog not in PROGRAMS:
                rest = "".join("." + p for p in parts[3:])
                raise _unknown(full, "program", prog, PROGRAMS, show="policy.budget.{}" + rest)
            if len(parts) == 3:
                return _Target("budget", f"policy.budget.{prog}", prog)
            if len(parts) > 4:
                raise not_a_table(4)
            c = _country(parts[3], full, countries)
            return _Target("budget_country", f"policy.budget.{prog}.{c}", prog, c)
        if sub == "countries":
            if len(parts) == 2:
                return _Target("table", "policy.countries")
            c = _country(parts[2], full, countries)
            if len(parts) == 3:
                return _Target("table", f"policy.countries.{c}", None, c)
            sw = parts[3]
            if sw not in SWITCHES:
                raise _unknown(full, "switch", sw, tuple(SWITCHES), show=f"policy.countries.{c}.{{}}")
            if len(parts) > 4:
                raise not_a_table(4)
            return _Target("country_switch", f"policy.countries.{c}.{sw}", sw, c)
        raise _unknown(full, "key in [policy]", sub, POLICY_KEYS, show="policy.{}")
    if head == "params":
        if len(parts) == 1:
            return _Target("table", "params")
        return _param_target(".".join(parts[1:]), full)
    if head in _PARAM_HEADS:
        if shorthand:
            return _param_target(key, full)
        match = difflib.get_close_matches(key, list(PARAMS), n=1, cutoff=0.6)
        raise ScenarioError(
            f"{full}: unknown key; model parameters go under [params] (e.g. [params.{head}])"
            + (f"; did you mean 'params.{match[0]}'?" if match else ""), full)
    candidates = list(TOP_KEYS)
    if shorthand:
        candidates += [f"policy.{s}" for s in SWITCHES] + [f"policy.budget.{p}" for p in PROGRAMS] + sorted(PARAMS)
    if not shorthand:
        raise _unknown(full, "key", key, TOP_KEYS)
    raise _unknown(full, "key", key, candidates, hint="" if difflib.get_close_matches(key, candidates, n=1) else
                   "keys are name, preset, months, world, policy.<switch>, policy.budget.<program>[.<country>], "
                   "policy.countries.<country>.<switch> and params.<parameter>")


# --- values -----------------------------------------------------------------------


def _plain(v: Any) -> Any:
    """numpy scalars and other number types -> bool, int or float."""
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if getattr(getattr(v, "dtype", None), "kind", None) == "b":
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    return v


def _whole(v: Any, key: str, low: int, high: int, unit: str) -> int:
    v = _plain(v)
    allowed = f"must be a whole number from {low} to {high} ({unit})"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _bad(key, v, f"{allowed}, {_not(v)}")
    if isinstance(v, float) and not v.is_integer():
        raise _bad(key, v, allowed)
    if not low <= v <= high:
        raise _bad(key, v, allowed)
    return int(v)


def _amount(v: Any, key: str) -> float:
    v = _plain(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _bad(key, v, f"must be a number >= 0 (USD per year), {_not(v)}")
    if isinstance(v, float) and not math.isfinite(v):
        raise _bad(key, v, "must be a finite number >= 0 (USD per year)")
    if v < 0:
        raise _bad(key, v, "must be a number >= 0 (USD per year)")
    if v > MAX_BUDGET:
        total = sum(STATUS_QUO_BUDGET.values())
        raise _bad(key, v, f"must be a number <= {MAX_BUDGET:.0e} (USD per year; "
                           f"all programs of the status quo total {total:.2e})")
    return float(v)


def _text_hint(key: str, v: Any) -> str:
    if isinstance(v, (bool, int, float)):
        return f" (to give text that reads like a number or true/false, quote it: {key}='\"{_fmt(v)}\"')"
    return ""


def _check(t: _Target, value: Any, countries: frozenset[str] | None, full: str) -> Any:
    """Validate and normalise a value for a resolved key (``full`` names it in messages)."""
    v = _plain(value)
    if t.kind == "name":
        if not isinstance(v, str) or not v.strip() or len(v) > MAX_NAME_LENGTH or not v.isprintable():
            raise _bad(full, v, f"must be printable text of 1 to {MAX_NAME_LENGTH} characters" + _text_hint(full, v))
        return v
    if t.kind == "world":
        if not isinstance(v, str) or not v.strip() or "\x00" in v:
            raise _bad(full, v, "must be the path of a world TOML file (text)" + _text_hint(full, v))
        return v
    if t.kind == "preset":
        if not isinstance(v, str) or v not in PRESETS:
            msg = f"must be one of {', '.join(json.dumps(p) for p in PRESETS)}"
            if isinstance(v, str):
                msg += _did_you_mean(v.lower(), PRESETS)
            raise _bad(full, v, msg)
        return v
    if t.kind == "months":
        return _whole(v, full, 1, MAX_MONTHS, "months of output")
    if t.kind in ("switch", "country_switch"):
        choices = SWITCH_CHOICES[t.item]
        if all(isinstance(c, bool) for c in choices):
            if not isinstance(v, bool):
                raise _bad(full, v, f"must be true or false, {_not(v)}")
            return v
        if not isinstance(v, str) or v not in choices:
            msg = f"must be one of {', '.join(json.dumps(c) for c in choices)}"
            if isinstance(v, str):
                msg += _did_you_mean(v.lower(), choices)
            raise _bad(full, v, msg)
        return v
    if t.kind == "budget":
        if isinstance(v, dict):
            if not v:
                raise _bad(full, v, "an empty table; give a number (USD per year) or at least one country = number")
            out: dict[str, float] = {}
            for k, x in v.items():
                c = _country(k, f"{full}.{k}" if isinstance(k, str) else full, countries)
                if c in out:
                    raise ScenarioError(f"{full}.{k}: country {c!r} given twice (names are case-insensitive)", f"{full}.{k}")
                out[c] = _amount(x, f"{full}.{k}")
            return out
        if isinstance(v, (list, tuple)) or v is None or isinstance(v, str):
            raise _bad(full, v, f"must be a number >= 0 (USD per year) or a table of country = number, {_not(v)}")
        return _amount(v, full)
    if t.kind == "budget_country":
        return _amount(v, full)
    if t.kind == "param":
        p = PARAMS[t.item]
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
            msg = f"is too large; must be in [{p.low}, {p.high}] {p.unit}"
        else:
            try:
                msg = p.check(v)
            except (TypeError, ValueError, OverflowError):
                msg = f"must be a number ({p.unit})"
        if msg:
            raise _bad(full, v, f"{msg} (default {_fmt(p.default)})")
        if p.choices is None and not isinstance(p.default, bool):
            v = int(v) if isinstance(p.default, int) else float(v)
        return v
    raise AssertionError(t.kind)  # pragma: no cover


def _leaves(key: str, value: Any, countries: frozenset[str] | None, *, shorthand: bool,
            where: str = "") -> list[tuple[_Target, Any]]:
    """Resolve ``key`` = ``value`` into validated (target, value) leaves; tables are walked."""
    t = _target(key, countries, shorthand=shorthand, where=where)
    if t.kind != "table":
        return [(t, _check(t, value, countries, where + key))]
    if not isinstance(value, dict):
        what = {"policy": "switches and [policy.budget]", "policy.budget": "program = USD per year",
                "policy.countries": "[policy.countries.<country>] tables"}.get(t.key, "keys")
        if t.key.startswith("policy.countries."):
            what = "switch = value"
        elif t.key.startswith("params"):
            what = "parameter = value"
        raise _bad(where + key, value, f"must be a table of {what}, not {_kind_of(value)}")
    out: list[tuple[_Target, Any]] = []
    for k, v in value.items():
        if not isinstance(k, str):
            raise ScenarioError(f"{where}{key}: keys must be text, not {_fmt(k)}", where + key)
        out += _leaves(f"{t.key}.{k}", v, countries, shorthand=False, where=where)
    return out


def _assign(s: Scenario, t: _Target, v: Any) -> None:
    if t.kind in TOP_SCALARS:
        setattr(s, t.kind, v)
    elif t.kind == "switch":
        s.policy.switches[t.item] = v
    elif t.kind == "budget":
        s.policy.budget[t.item] = dict(v) if isinstance(v, dict) else v
    elif t.kind == "budget_country":
        b = s.policy.budget.get(t.item)
        if not isinstance(b, dict):  # a single amount becomes a table of the countries named
            b = s.policy.budget[t.item] = {}
        b[t.country] = v
    elif t.kind == "country_switch":
        s.policy.countries.setdefault(t.country, {})[t.item] = v
    elif t.kind == "param":
        s.params[t.item] = v
    else:  # pragma: no cover
        raise AssertionError(t.kind)


def _no_duplicates(leaves: list[tuple[_Target, Any]], where: str = "") -> None:
    seen: set[str] = set()
    for t, _ in leaves:
        if t.key in seen:
            raise ScenarioError(
                f"{where}{t.key}: given twice (e.g. both as a table and as a dotted key, "
                "or in two spellings of a country's name)", where + t.key)
        seen.add(t.key)


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


def parse_value(text: str) -> Any:
    """The value of ``--set key=value``: a TOML value (true, 12, 1e9, "quoted", [..], {..}), else the bare text."""
    s = str(text).strip()
    if not s or "\n" in s or "\r" in s:
        return s
    try:
        v = tomllib.loads(f"v = {s}\n")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, KeyError):
        return s
    if isinstance(v, (datetime.date, datetime.time)):  # datetime is a date
        return s
    return v


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


def _find(path: str | os.PathLike) -> Path:
    p = Path(path)
    if p.is_file():
        return p
    if not p.exists() and p.suffix == "" and len(p.parts) == 1 and (SCENARIO_DIR / f"{p.name}.toml").is_file():
        return SCENARIO_DIR / f"{p.name}.toml"
    if p.is_dir():
        raise ScenarioError(f"{p}: is a directory, not a scenario file")
    shipped = sorted(q.stem for q in SCENARIO_DIR.glob("*.toml")) if SCENARIO_DIR.is_dir() else []
    raise ScenarioError(f"{p}: no such scenario file" + (f"; shipped scenarios: {', '.join(shipped)}" if shipped else ""))


def _read_toml(p: Path) -> dict:
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ScenarioError(f"cannot read the file: {e.strerror or e}") from None
    if b"\x00" in data:
        raise ScenarioError("is not a text file (it contains NUL bytes); a scenario is a UTF-8 TOML text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ScenarioError(
            f"is not UTF-8 text (byte 0x{data[e.start]:02x} at line {line}); "
            "save the scenario as UTF-8 TOML text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"at line (\d+), column (\d+)", msg)
        where = ""
        if m:
            lines = text.splitlines()
            n = int(m.group(1))
            if 1 <= n <= len(lines):
                where = f": {lines[n - 1].strip()[:80]!r}"
        raise ScenarioError(f"is not valid TOML: {msg}{where}") from None
    except RecursionError:
        raise ScenarioError("is not valid TOML: nested too deeply") from None


def load_scenario(path: str | os.PathLike | None = None, overrides: Sequence[str] = (), *,
                  countries: Iterable[str] | None = None) -> Scenario:
    """Read a scenario file (None: the status quo) and apply ``--set`` overrides.

    A bare name such as ``"status_quo"`` finds a shipped file of experiments/scenarios.
    A file without ``name`` is named after the file. A relative ``world`` in the
    file is relative to the file. An empty file is the status quo.
    """
    if path is None:
        s = Scenario()
    else:
        try:
            p = _find(path)
            raw = _read_toml(p)
        except ScenarioError as e:
            e.source = e.source or str(path)
            raise
        s = scenario_from_dict(raw, countries=countries, source=str(p))
        if "name" not in raw:
            s.name = p.stem
        if s.world is not None and not Path(s.world).is_absolute():
            s.world = str((p.parent / s.world).resolve())
    s = apply_overrides(s, overrides, countries=countries)
    if s.world is not None and not Path(s.world).is_file():
        raise ScenarioError(f"world = {_fmt(s.world)}: no such world file", "world",
                            str(path) if path is not None else "--set")
    return s


# --- TOML writing ---------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(k: str) -> str:
    return k if _BARE.match(k) else _toml_str(k)


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and abs(v) >= 1e6:  # 4.5e+08 rather than 450000000.0
        return next(t for n in range(1, 18) if float(t := f"{v:.{n}e}") == v)
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))  # pragma: no cover


def _to_toml(d: dict) -> str:
    out = [f"{k} = {_toml_value(d[k])}" for k in TOP_SCALARS if k in d]
    pol = d["policy"]
    out += ["", "[policy]"] + [f"{k} = {_toml_value(pol[k])}" for k in SWITCHES]
    out += ["", "[policy.budget]  # USD per year"]
    tables = []
    for prog, b in pol["budget"].items():
        if isinstance(b, dict):
            tables += ["", f"[policy.budget.{prog}]"] + [f"{_toml_key(c)} = {_toml_value(x)}" for c, x in b.items()]
        else:
            out.append(f"{prog} = {_toml_value(b)}")
    out += tables
    for c, sw in pol.get("countries", {}).items():
        out += ["", f"[policy.countries.{_toml_key(c)}]"] + [f"{k} = {_toml_value(x)}" for k, x in sw.items()]
    out += ["", "[params]"] + [f"{_toml_str(k)} = {_toml_value(v)}" for k, v in d.get("params", {}).items()]
    for e in d.get("events", []):
        out += ["", "[[events]]", f"month = {e['month']}", f"set = {_toml_value(e['set'])}"]
    return "\n".join(out) + "\n"

"""Dotted scenario keys and their values: what a key names, and the check of a value against what it allows."""

from __future__ import annotations

import difflib
import json
import math
import numbers
from dataclasses import dataclass
from typing import Any

from model.params import PARAMS
from model.policy import COUNTRY_VALUES, PROGRAMS, STATUS_QUO_BUDGET, SWITCH_CHOICES, SWITCHES
from model.presets import PRESETS
from model.scenario.messages import ScenarioError, _bad, _did_you_mean, _fmt, _kind_of, _not, _unknown

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
            if sw in COUNTRY_VALUES:
                if len(parts) > 4:
                    raise not_a_table(4)
                return _Target("country_value", f"policy.countries.{c}.{sw}", sw, c)
            if sw not in SWITCHES:
                raise _unknown(full, "switch", sw, tuple(SWITCHES) + tuple(COUNTRY_VALUES),
                               show=f"policy.countries.{c}.{{}}")
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


def _one_of(full: str, v: Any, choices: tuple) -> str:
    """``v`` if it is one of the text ``choices``, else an error listing them (with a did-you-mean)."""
    if not isinstance(v, str) or v not in choices:
        msg = f"must be one of {', '.join(json.dumps(c) for c in choices)}"
        if isinstance(v, str):
            msg += _did_you_mean(v.lower(), choices)
        raise _bad(full, v, msg)
    return v


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
        return _one_of(full, v, tuple(PRESETS))
    if t.kind == "months":
        return _whole(v, full, 1, MAX_MONTHS, "months of output")
    if t.kind in ("switch", "country_switch"):
        choices = SWITCH_CHOICES[t.item]
        if all(isinstance(c, bool) for c in choices):
            if not isinstance(v, bool):
                raise _bad(full, v, f"must be true or false, {_not(v)}")
            return v
        return _one_of(full, v, choices)
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
    if t.kind == "country_value":
        low, high, unit, _ = COUNTRY_VALUES[t.item]
        allowed = f"must be a number from {low} to {high} ({unit})"
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _bad(full, v, f"{allowed}, {_not(v)}")
        if not math.isfinite(v) or not low <= v <= high:
            raise _bad(full, v, allowed)
        return float(v)
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


def _assign(s, t: _Target, v: Any) -> None:
    """Write a validated leaf onto scenario ``s``."""
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
    elif t.kind in ("country_switch", "country_value"):
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

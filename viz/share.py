"""The share link: every lever of the page (and the seeds) in a URL query string, and back.

    ?b.treatment=450&b.eradication=300&...&s.decriminalize_possession=true&s.precursor_scheduling=list
     &c.china.precursor_scheduling=class&seed=1&seeds=2

``b.<program>``: the budget in million USD a year; ``s.<switch>``: a switch;
``c.<country>.<switch>``: a card's per-country override; ``seed`` and ``seeds``: the
ensemble. Every program and switch is written, so a link restores the page exactly
whatever the defaults become. Reading a link checks every key and value with
viz/validate.py; what cannot be used is left at the status quo and listed in the
message the page shows.
"""

from __future__ import annotations

import copy
from urllib.parse import parse_qsl, urlencode

from model.policy import PROGRAMS, SWITCH_CHOICES, SWITCHES
from viz import validate
from viz.state import DEFAULT_ENSEMBLE, DEFAULT_SEED, Levers

MAX_QUERY = 4000  # characters: a longer query string is not a link this page made


def _musd(usd: float) -> str:
    text = f"{usd / 1e6:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _value(v) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def to_query(levers: Levers, seed: int, n_seeds: int) -> str:
    """The query string (without '?') of the levers and seeds."""
    items = [(f"b.{p}", _musd(levers.budget[p])) for p in PROGRAMS]
    items += [(f"s.{k}", _value(levers.switches[k])) for k in SWITCHES]
    items += [(f"c.{c}.{k}", _value(v)) for c, over in sorted(levers.countries.items()) for k, v in sorted(over.items())]
    items += [("seed", str(int(seed))), ("seeds", str(int(n_seeds)))]
    return urlencode(items)


def _switch_value(name: str, text: str):
    choices = SWITCH_CHOICES[name]
    if all(isinstance(c, bool) for c in choices):
        value = {"true": True, "false": False}.get(text, text)
    else:
        value = text
    return validate.switch(name, value)


def _whole(text: str, what: str):
    try:
        return int(text)
    except ValueError:
        raise validate.PageInputError(f"{what}: expected a whole number, got {text[:20]!r}") from None


def from_query(search: str | None, countries: frozenset[str] | set[str]) -> tuple[Levers, int, int, list[str]]:
    """(levers, seed, seeds, problems) from a query string; whatever is missing or refused keeps its default."""
    levers = Levers()
    seed, n_seeds = DEFAULT_SEED, DEFAULT_ENSEMBLE
    problems: list[str] = []
    if not search:
        return levers, seed, n_seeds, problems
    if len(search) > MAX_QUERY:
        return levers, seed, n_seeds, [f"the link is longer than {MAX_QUERY} characters: not read"]
    overrides: dict[str, dict] = {}
    for key, text in parse_qsl(search.lstrip("?"), keep_blank_values=True):
        try:
            kind, _, rest = key.partition(".")
            if kind == "b" and rest in PROGRAMS:
                levers.budget[rest] = validate.budget_typed(rest, text)
            elif kind == "s" and rest in SWITCHES:
                levers.switches[rest] = _switch_value(rest, text)
            elif kind == "c" and rest.count(".") == 1 and rest.split(".")[1] in SWITCHES:
                country, name = rest.split(".")
                if country not in countries:
                    raise validate.PageInputError(f"{key}: no country {country!r} in the world")
                overrides.setdefault(country, {})[name] = _switch_value(name, text)
            elif key == "seed":
                seed = validate.seed(_whole(text, "seed"))
            elif key == "seeds":
                n_seeds = validate.ensemble_size(_whole(text, "seeds"))
            else:
                raise validate.PageInputError(f"unknown key {key[:40]!r}")
        except validate.PageInputError as e:
            problems.append(str(e))
    levers.countries = copy.deepcopy(overrides)
    return levers, seed, n_seeds, problems

"""The world: countries and regions, trafficking routes, precursor sources, 2021 stocks.

Loaded from a TOML data file (model/data/world.toml by default, or the user's
own). Nothing in the file is executed. Bad files are refused with a WorldError
that names the key at fault and what is allowed.
"""

from __future__ import annotations

import difflib
import itertools
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import networkx as nx

DRUGS = ("cocaine", "heroin", "fentanyl", "methamphetamine")
GROUPS = ("opioid", "cocaine", "methamphetamine")  # what a user uses; opioid = heroin and fentanyl blended
GROUP_DRUGS = {"opioid": ("heroin", "fentanyl"), "cocaine": ("cocaine",), "methamphetamine": ("methamphetamine",)}
ROLES = ("producer", "transit", "synthetic", "precursor", "consumer")
CROP_DRUG = {"coca": "cocaine", "poppy": "heroin"}  # the drug a crop's harvest becomes
MAX_PATH_LEN = 6
#: transport modes of a route; a route without one is "land" (world files written before modes existed)
MODES = ("maritime", "land", "air", "mail")


class WorldError(ValueError):
    """A world file that cannot be used; ``key`` names the entry at fault."""

    def __init__(self, key: str | None, message: str):
        self.key = key
        super().__init__(f"{key}: {message}" if key else message)


_COUNTRY_KEYS = {
    "roles", "cells", "cooperates", "seizure_hazard", "crops", "population_at_risk", "arrests",
    "naloxone_kits", "ssp_coverage", "drug_checking_coverage", "prevention_reach", "new_hiv_pwid",
    "users", "prices", "drug_violence_deaths", "trafficker_members",
}
_CROP_KEYS = {"ha", "yield", "households", "land_per_household", "licit_income",
              "eradicated_ha_per_year", "ad_families", "farmgate_multiplier"}
_CROP_OPTIONAL = {"sprayed_ha_per_year": 0.0}  # optional crop keys and their default
_USER_KEYS = {"occasional", "dependent", "treatment", "incarcerated", "deaths", "consumption_t"}
_PRICE_KEYS = {"retail", "purity", "wholesale"}
#: naloxone distribution channels (kits distributed a year in the calibration year, by channel)
NALOXONE_CHANNELS = ("community", "pharmacy", "emergency_department")
_TOP_KEYS = {"calibration_year", "farmgate", "drugs", "countries", "labs", "precursors", "routes"}


def _unknown(key: str, name: str, allowed) -> WorldError:
    near = difflib.get_close_matches(name, list(allowed), n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    return WorldError(key, f"unknown key '{name}'{hint} (allowed: {', '.join(sorted(allowed))})")


def _check_keys(where: str, table, allowed) -> None:
    if not isinstance(table, dict):
        raise WorldError(where, f"must be a table, got {type(table).__name__}")
    for k in table:
        if k not in allowed:
            raise _unknown(f"{where}.{k}" if where else k, k, allowed)


def _num(where: str, value, low=0.0, high=math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WorldError(where, f"must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < low or v > high:
        raise WorldError(where, f"= {value!r}: must be a finite number in [{low}, {high}]")
    return v


@dataclass(frozen=True, order=True)
class TradePath:
    """A path from an origin to a market: the countries crossed and the mode of each leg between them.

    It reads as its countries (``for c in path``, ``path[1:-1]``), so two paths through the same countries
    by different modes are different paths."""
    countries: tuple[str, ...]
    modes: tuple[str, ...]

    def __iter__(self):
        return iter(self.countries)

    def __len__(self) -> int:
        return len(self.countries)

    def __getitem__(self, i):
        return self.countries[i]

    @property
    def node_modes(self) -> tuple[str, ...]:
        """The mode a load travels by in each country: the leg it leaves by, the last leg in the market
        (and land for a market's own output)."""
        if not self.modes:
            return ("land",) * len(self.countries)
        return self.modes + self.modes[-1:]


@dataclass
class World:
    """Everything the model needs from the world file, checked and derived."""

    path: str
    countries: list[str]
    roles: dict[str, set[str]]
    data: dict[str, dict]
    drugs: dict[str, dict]
    producers: list[tuple[str, str]]          # (country, crop)
    markets: list[str]                        # consumer markets with user agents
    exo_markets: list[str]                    # consumer markets with exogenous demand only
    labs: dict[tuple[str, str], float]        # (country, drug) -> capacity t/yr (0 = calibrated)
    precursors: list[dict]
    graph: nx.DiGraph
    lab_supply_share: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)  # (country, drug) ->
    #                                           {market: share of the market's 2021 supply of the drug made there}
    farmgate: dict[str, float] = field(default_factory=dict)
    paths: dict[tuple[str, str], list[TradePath]] = field(default_factory=dict)
    calibration_year: int = 2021               # the year whose stocks the status quo holds

    @property
    def country_names(self) -> list[str]:
        return list(self.countries)

    @property
    def all_markets(self) -> list[str]:
        return self.markets + self.exo_markets

    def crop_of(self, drug: str) -> str | None:
        return self.drugs[drug].get("crop")

    def origins(self, drug: str) -> list[str]:
        """Countries where ``drug`` is made: farmed (plant) or in labs (synthetic)."""
        if self.drugs[drug]["kind"] == "plant":
            crop = self.crop_of(drug)
            return [c for c, k in self.producers if k == crop]
        return [c for (c, d) in self.labs if d == drug]

    def fed_by_precursors(self, country: str, drug: str) -> bool:
        """Whether labs need precursors from [[precursors]] routes; labs without one make their chemicals at
        home, outside the precursor controls of the world file (e.g. finished fentanyl made in China)."""
        return any(pr["drug"] == drug and pr["lab_country"] == country for pr in self.precursors)


def load_world(path: str | Path | None = None) -> World:
    """Read and validate a world file; ``None`` is the shipped default."""
    if path is None:
        text = resources.files("model").joinpath("data/world.toml").read_text(encoding="utf-8")
        src = "model/data/world.toml"
    else:
        p = Path(path)
        if not p.is_file():
            raise WorldError("world", f"no such file: {p}")
        try:
            text = p.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise WorldError("world", f"{p} is not a UTF-8 text file") from None
        src = str(p)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise WorldError("world", f"{src} is not valid TOML: {e}") from None
    return build_world(raw, src)


def build_world(raw: dict, src: str = "<dict>") -> World:
    _check_keys("", raw, _TOP_KEYS)
    for k in ("drugs", "countries", "routes", "farmgate"):
        if k not in raw:
            raise WorldError(k, "missing (a world needs drugs, countries and routes)")
    drugs = raw["drugs"]
    _check_drugs(drugs, raw["farmgate"])
    countries, roles = {}, {}
    for c, spec in raw["countries"].items():
        name = c.lower()
        roles[name] = _check_country(f"countries.{name}", spec)
        countries[name] = spec
    g = _route_graph(raw["routes"], countries)
    producers = [(c, crop) for c, s in countries.items() for crop in s.get("crops", {})]
    markets = [c for c, s in countries.items() if "consumer" in roles[c] and s.get("users")]
    exo = [c for c, s in countries.items() if "consumer" in roles[c] and not s.get("users")]
    if not markets:
        raise WorldError("countries", "no consumer market with users")
    labs, lab_shares = _labs(raw.get("labs", {}), countries, drugs, roles)
    precursors = _precursors(raw.get("precursors", []), countries, labs)
    year = _num("calibration_year", raw.get("calibration_year", 2021), 1900, 2100)
    if year != int(year):
        raise WorldError("calibration_year", f"= {year!r}: must be a whole year")
    world = World(src, list(countries), roles, countries, drugs, producers, markets, exo, labs, precursors, g,
                  lab_supply_share=lab_shares, farmgate={d: float(raw["farmgate"][d]) for d in DRUGS},
                  calibration_year=int(year))
    _derive_paths(world)
    _check_lab_shares(world)
    return world


def _check_drugs(drugs: dict, farmgate: dict) -> None:
    for d, spec in drugs.items():
        if d not in DRUGS:
            raise _unknown(f"drugs.{d}", d, DRUGS)
        _check_keys(f"drugs.{d}", spec, {"kind", "crop", "load_kg", "user_group"})
        if spec.get("kind") not in ("plant", "synthetic"):
            raise WorldError(f"drugs.{d}.kind", "must be 'plant' or 'synthetic'")
        if spec.get("user_group") not in GROUPS:
            raise WorldError(f"drugs.{d}.user_group", f"must be one of {', '.join(GROUPS)}")
        _num(f"drugs.{d}.load_kg", spec.get("load_kg"), 1e-3, 1e6)
    for d in DRUGS:
        if d not in drugs:
            raise WorldError(f"drugs.{d}", "missing: the model follows cocaine, heroin, fentanyl and methamphetamine")
    _check_keys("farmgate", farmgate, DRUGS)
    for d in DRUGS:
        _num(f"farmgate.{d}", farmgate.get(d), 1e-6, 1e9)


def _check_country(where: str, spec: dict) -> set[str]:
    """Check one country's table; returns its roles."""
    if "naloxone_coverage" in spec:  # world files before naloxone was counted in kits
        raise WorldError(f"{where}.naloxone_coverage", "is no longer read: give the naloxone kits distributed a year "
                         "by channel instead, naloxone_kits = { community = ..., pharmacy = ..., emergency_department = ... }")
    _check_keys(where, spec, _COUNTRY_KEYS)
    r = spec.get("roles", [])
    if not isinstance(r, list) or not r:
        raise WorldError(f"{where}.roles", f"must be a non-empty list of {', '.join(ROLES)}")
    for role in r:
        if role not in ROLES:
            raise _unknown(f"{where}.roles", str(role), ROLES)
    _num(f"{where}.seizure_hazard", spec.get("seizure_hazard", 0.0), 0.0, 5.0)
    for crop, cspec in spec.get("crops", {}).items():
        if crop not in CROP_DRUG:
            raise _unknown(f"{where}.crops.{crop}", crop, tuple(CROP_DRUG))
        _check_keys(f"{where}.crops.{crop}", cspec, _CROP_KEYS | set(_CROP_OPTIONAL))
        for k in _CROP_KEYS:
            if k not in cspec:
                raise WorldError(f"{where}.crops.{crop}.{k}", "missing")
            _num(f"{where}.crops.{crop}.{k}", cspec[k], 0.0, 1e9)
        for k, default in _CROP_OPTIONAL.items():
            cspec[k] = _num(f"{where}.crops.{crop}.{k}", cspec.get(k, default), 0.0, 1e9)
        if cspec["ha"] > cspec["households"] * cspec["land_per_household"]:
            raise WorldError(f"{where}.crops.{crop}.ha", "exceeds households x land_per_household")
    for grp, uspec in spec.get("users", {}).items():
        if grp not in GROUPS:
            raise _unknown(f"{where}.users.{grp}", grp, GROUPS)
        _check_keys(f"{where}.users.{grp}", uspec, _USER_KEYS)
        for k in _USER_KEYS - {"consumption_t"}:
            _num(f"{where}.users.{grp}.{k}", uspec.get(k, 0.0), 0.0, 1e10)
        cons = uspec.get("consumption_t", {})
        _check_keys(f"{where}.users.{grp}.consumption_t", cons, GROUP_DRUGS[grp])
        for d, v in cons.items():
            _num(f"{where}.users.{grp}.consumption_t.{d}", v, 0.0, 1e7)
    for d, pspec in spec.get("prices", {}).items():
        if d not in DRUGS:
            raise _unknown(f"{where}.prices.{d}", d, DRUGS)
        _check_keys(f"{where}.prices.{d}", pspec, _PRICE_KEYS)
        for k in _PRICE_KEYS:
            _num(f"{where}.prices.{d}.{k}", pspec.get(k), 1e-9, 1e9 if k != "purity" else 1.0)
    kits = spec.get("naloxone_kits", {})
    _check_keys(f"{where}.naloxone_kits", kits, NALOXONE_CHANNELS)
    for k, v in kits.items():
        _num(f"{where}.naloxone_kits.{k}", v, 0.0, 1e9)
    for k in ("ssp_coverage", "drug_checking_coverage", "prevention_reach"):
        if k in spec:
            _num(f"{where}.{k}", spec[k], 0.0, 0.99)
    return set(r)


def _route_graph(routes: list, countries: dict) -> nx.DiGraph:
    """One edge per pair of countries; its ``legs`` hold each mode's km and cost (a pair may be listed once per
    mode); ``cost`` and ``km`` are the cheapest leg's."""
    g = nx.DiGraph()
    g.add_nodes_from(countries)
    for i, r in enumerate(routes):
        where = f"routes[{i}]"
        _check_keys(where, r, {"from", "to", "km", "cost", "mode"})
        for end in ("from", "to"):
            c = str(r.get(end, "")).lower()
            if c not in countries:
                near = difflib.get_close_matches(c, list(countries), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise WorldError(f"{where}.{end}", f"unknown country '{c}'{hint} (countries: {', '.join(sorted(countries))})")
        mode = r.get("mode", "land")
        if mode not in MODES:
            raise _unknown(f"{where}.mode", str(mode), MODES)
        a, b = str(r["from"]).lower(), str(r["to"]).lower()
        leg = {"km": _num(f"{where}.km", r.get("km"), 0.0, 1e5), "cost": _num(f"{where}.cost", r.get("cost"), 0.0, 1e7)}
        legs = g.edges[a, b]["legs"] if g.has_edge(a, b) else {}
        if mode in legs:
            raise WorldError(f"{where}.mode", f"a route {a} -> {b} by {mode} is listed twice")
        legs[mode] = leg
        cheapest = min(legs.values(), key=lambda x: x["cost"])
        g.add_edge(a, b, legs=legs, km=cheapest["km"], cost=cheapest["cost"])
    return g


def _labs(table: dict, countries: dict, drugs: dict, roles: dict) -> tuple[dict, dict]:
    """Lab capacity by (country, drug), and the 2021 supply shares a lab table declares (``supply_share``:
    market -> share of that market's 2021 supply of the drug made in these labs)."""
    labs, shares = {}, {}
    for c, spec_by_drug in table.items():
        c = c.lower()
        if c not in countries:
            raise WorldError(f"labs.{c}", f"unknown country (countries: {', '.join(sorted(countries))})")
        for d, spec in spec_by_drug.items():
            if d not in DRUGS or drugs[d]["kind"] != "synthetic":
                raise WorldError(f"labs.{c}.{d}", "labs make synthetic drugs: fentanyl or methamphetamine")
            _check_keys(f"labs.{c}.{d}", spec, {"capacity_t", "supply_share"})
            labs[(c, d)] = _num(f"labs.{c}.{d}.capacity_t", spec.get("capacity_t", 0.0), 0.0, 1e7)
            if "supply_share" in spec:
                where = f"labs.{c}.{d}.supply_share"
                table_m = spec["supply_share"]
                if not isinstance(table_m, dict):
                    raise WorldError(where, f"must be a table market -> share, got {table_m!r}")
                consumers = sorted(k for k in countries if "consumer" in roles[k])
                own = {}
                for m, v in table_m.items():
                    if m.lower() not in consumers:
                        raise _unknown(f"{where}.{m}", m, consumers)
                    own[m.lower()] = _num(f"{where}.{m}", v, 0.0, 1.0)
                shares[(c, d)] = own
    return labs, shares


def _check_lab_shares(world: World) -> None:
    """Declared 2021 supply shares of a market add up to at most 1, and a lab with a share reaches the market."""
    for (c, d), own in world.lab_supply_share.items():
        for m, v in own.items():
            where = f"labs.{c}.{d}.supply_share.{m}"
            if v > 0 and (c, m) not in world.paths:
                raise WorldError(where, f"= {v}: no route takes {d} from {c} to {m} (add one to [[routes]])")
            tot = sum(s.get(m, 0.0) for (_, dd), s in world.lab_supply_share.items() if dd == d)
            if tot > 1.0 + 1e-6:
                raise WorldError(where, f"the declared shares of {m}'s 2021 {d} supply add up to {tot:g}, more than 1")


def _precursors(raw: list, countries: dict, labs: dict) -> list[dict]:
    precursors = []
    for i, p in enumerate(raw):
        where = f"precursors[{i}]"
        _check_keys(where, p, {"name", "drug", "lab_country", "production_share", "kg_per_kg", "sources"})
        if (str(p.get("lab_country", "")).lower(), p.get("drug")) not in labs:
            raise WorldError(f"{where}.lab_country", "must name a country with labs for this drug (see [labs])")
        _num(f"{where}.production_share", p.get("production_share"), 0.0, 1.0)
        _num(f"{where}.kg_per_kg", p.get("kg_per_kg"), 0.0, 100.0)
        src = p.get("sources", {})
        if not isinstance(src, dict) or not src:
            raise WorldError(f"{where}.sources", "must be a table country -> share")
        for c, s in src.items():
            if c.lower() not in countries:
                raise WorldError(f"{where}.sources.{c}", f"unknown country (countries: {', '.join(sorted(countries))})")
            _num(f"{where}.sources.{c}", s, 0.0, 1.0)
        if abs(sum(src.values()) - 1.0) > 1e-6:
            raise WorldError(f"{where}.sources", "shares must add up to 1")
        precursors.append({**p, "lab_country": p["lab_country"].lower(),
                           "sources": {c.lower(): float(s) for c, s in src.items()}})
    for d in ("fentanyl", "methamphetamine"):
        tot = sum(p["production_share"] for p in precursors if p["drug"] == d)
        if abs(tot - 1.0) > 1e-6:
            raise WorldError("precursors", f"production shares for {d} add up to {tot}, not 1")
    return precursors


def _derive_paths(world: World) -> None:
    """All simple paths from each origin of each drug to each consumer market it serves."""
    for d in DRUGS:
        for o in world.origins(d):
            for m in world.all_markets:
                if o == m:
                    world.paths[(o, m)] = [TradePath((o,), ())]
                    continue
                ps = [TradePath(tuple(p), modes) for p in nx.all_simple_paths(world.graph, o, m, cutoff=MAX_PATH_LEN)
                      for modes in itertools.product(*(sorted(world.graph.edges[a, b]["legs"])
                                                       for a, b in zip(p[:-1], p[1:])))]
                if ps:
                    world.paths[(o, m)] = sorted(ps)
    for m in world.markets:
        for grp, u in world.data[m]["users"].items():
            for d, t in u.get("consumption_t", {}).items():
                if t > 0 and not any((o, m) in world.paths for o in world.origins(d)):
                    raise WorldError(f"countries.{m}.users.{grp}",
                                     f"consumer market '{m}' consumes {d} but no route reaches it from where {d} is made")
        for d in DRUGS:
            if d in world.data[m].get("prices", {}) or any(
                d in u.get("consumption_t", {}) for u in world.data[m]["users"].values()):
                if d not in world.data[m].get("prices", {}):
                    raise WorldError(f"countries.{m}.prices.{d}", "missing: a market that consumes a drug needs its prices")

"""Routes: what a shipment loses on a path, how traffickers weigh paths, and which loads are seized where.

A path is a sequence of countries from an origin to a consumer market with a transport mode on each leg
(model/world.py derives them). Seizure hazards add along the countries crossed; a country's hazard for a
mode is its base hazard plus what interdiction buys there against that mode (model/enforcement). A
shipment travels in whole loads, whose sizes vary (lognormal, ``route.load_size_sigma``); a path carries
flow in whole loads (``trafficker.min_loads_on_path``): a path whose share is smaller is used only in some
months, so the paths and transit countries in use respond to hazards. ``Routes`` keeps the month's seizures and
flows.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from model import rng
from model.markets.seizures import loads_seized_at
from model.world import MODES


def path_hazard(hazard: dict, path) -> float:
    """Seizure hazard along a path: each country's hazard for the mode the load travels by there."""
    return sum(hazard[(c, md)] for c, md in zip(path, path.node_modes))


def path_loss(world, hazard: dict, path, lost: float) -> float:
    """Share of a shipment seized or lost on a path."""
    return 1.0 - math.exp(-path_hazard(hazard, path)) * (1.0 - lost)


def transport_cost(world, path) -> float:
    """USD per kg along a path, each leg by its mode."""
    g = world.graph
    return sum(g.edges[a, c]["legs"][md]["cost"] for a, c, md in zip(path[:-1], path[1:], path.modes))


def route_weights(world, hazard: dict, paths: list, value: float, sensitivity: float, lost: float,
                  expected_loss=None, transport=None) -> np.ndarray:
    """Logit shares over paths in expected loss plus transport cost relative to the cargo's value.

    ``expected_loss`` and ``transport`` (USD per kg), arrays over ``paths``, replace the losses at ``hazard``
    and the costs the world's legs give (a trafficker's learned losses; ``Routes.path_costs``)."""
    if len(paths) == 1:  # most shipments: the only path takes everything (exp(0) / exp(0))
        return np.ones(1)
    if expected_loss is not None and transport is not None:
        costs = expected_loss + transport / value  # element by element, as the loop below
    else:
        costs = []
        for j, pth in enumerate(paths):
            el = expected_loss[j] if expected_loss is not None else path_loss(world, hazard, pth, lost)
            costs.append(el + transport_cost(world, pth) / value)
    x = -sensitivity * np.asarray(costs)
    x -= x.max()
    e = np.exp(x)
    return e / e.sum()


def mean_load(params: dict, drug_load: float, mode: str, loss0: float, expected: float) -> float:
    """A load's mean size: the drug's 2021 load, capped by what the mode carries, made smaller when the
    expected loss on the path is above its 2021 value (traffickers split loads as interdiction rises)."""
    cap = params.get(f"route.max_load_kg_{mode}", math.inf)
    load = min(drug_load, cap)
    if expected > loss0 > 0.0:
        load *= (loss0 / expected) ** params["trafficker.load_split_elasticity"]
    return max(1e-3, load)


def used_paths(x: np.ndarray, loads: np.ndarray, min_loads: float, u: np.ndarray) -> np.ndarray:
    """Kilograms per path in whole loads: a path whose share ``x`` is below ``min_loads`` loads carries that
    many with probability x / (min_loads x load) (uniforms ``u``) and nothing otherwise, so each path
    carries its share on average but small shares are sent in few months; the total is then rescaled to
    what was bought (if no path is drawn, the best path carries it all)."""
    if len(x) == 1:  # most shipments have one path: the same rule in plain floats, quicker than NumPy's calls
        x0, least = float(x[0]), min_loads * float(loads[0])
        drawn = x0 < least and u[0] * least < x0
        return np.array([least * (x0 / least) if drawn else x0])
    least = min_loads * loads
    keep = x >= least
    drawn = ~keep & (u * least < x)
    y = np.where(keep, x, np.where(drawn, least, 0.0))
    if y.sum() <= 0.0:
        y[int(np.argmax(x))] = 1.0
    return y * (x.sum() / y.sum())


class Routes:
    """This month's seizures (kg, loads and value by drug and country), flows by path and losses, at
    ``hazard`` (seizure hazard per (country, mode), which interdiction updates in place)."""

    def __init__(self, world, hazard: dict, hazard0: dict, lost_fraction: float, sigma: float):
        self.world = world
        self.hazard = hazard
        self.hazard0 = hazard0
        self._loss0 = {}
        self._cost, self._costs = {}, {}  # transport costs by path and by (origin, market): the legs' costs are fixed
        self.lost_fraction = lost_fraction
        self.sigma = sigma
        self.new_month(0, 0)

    def new_month(self, seed: int, t: int) -> None:
        self.seized_by = defaultdict(float)   # (drug, country) -> kg
        self.lost = defaultdict(float)        # drug -> kg lost on the way (not seized)
        self.seizure_events = 0
        self.seized_value = 0.0               # USD at the destination's wholesale price
        self.flow = {}                        # path -> kg shipped
        self._counter = 0
        self._path_draws = 0
        self._seed, self._t = seed, t
        self._key = np.uint64(rng.key_py(seed, rng.SEIZURE, t))
        self._size_key = np.uint64(rng.key_py(seed, rng.LOAD_SIZE, t))
        self._use_key = np.uint64(rng.key_py(seed, rng.PATH_USE, t))

    def loss0(self, pth) -> float:
        """A path's loss at the 2021 hazards."""
        if pth not in self._loss0:
            self._loss0[pth] = path_loss(self.world, self.hazard0, pth, self.lost_fraction)
        return self._loss0[pth]

    def path_loss_now(self, pth) -> float:
        return path_loss(self.world, self.hazard, pth, self.lost_fraction)

    def transport_cost(self, pth) -> float:
        c = self._cost.get(pth)
        if c is None:
            c = self._cost[pth] = transport_cost(self.world, pth)
        return c

    def path_costs(self, origin: str, market: str) -> tuple[np.ndarray, float]:
        """Transport costs (USD per kg) of the paths from ``origin`` to ``market``, and the cheapest."""
        out = self._costs.get((origin, market))
        if out is None:
            costs = [self.transport_cost(pth) for pth in self.world.paths[(origin, market)]]
            out = self._costs[(origin, market)] = (np.array(costs), min(costs))
        return out

    def seize(self, pth, drug: str, kg: float, load: float, value: float) -> float:
        """Split ``kg`` into loads of lognormal size around ``load``; each load is seized in the first country
        whose draw falls under its hazard. Returns the kg seized."""
        n = max(1, int(math.ceil(kg / load)))
        offset = self._counter
        self._counter += n * len(pth)
        pnode = np.array([1.0 - math.exp(-self.hazard[(c, md)]) for c, md in zip(pth, pth.node_modes)])
        where = loads_seized_at(self._key, offset, n, pnode).tolist()
        if max(where) < 0:  # nothing seized (most shipments): the loads' sizes are not needed
            return 0.0
        u = rng.uniforms_at(self._size_key, 2 * n, 2 * offset)
        z = np.sqrt(-2.0 * np.log(1.0 - u[0::2])) * np.cos(2.0 * math.pi * u[1::2])  # Box-Muller
        size = np.exp(self.sigma * z)
        size *= kg / size.sum()
        seized = 0.0
        for i, node in enumerate(where):  # a few loads: a plain loop is quicker than NumPy's calls
            if node >= 0:
                self.seized_by[(drug, pth[node])] += size[i]
                seized += size[i]
                self.seizure_events += 1
        self.seized_value += seized * value
        return seized

    def path_use_draws(self, n: int) -> np.ndarray:
        """``n`` uniforms for choosing which small shares of a shipment are sent (``used_paths``)."""
        u = rng.uniforms_at(self._use_key, n, self._path_draws)
        self._path_draws += n
        return u

    def seized_total(self, drug: str) -> float:
        return sum(v for (d, _), v in self.seized_by.items() if d == drug)

    def columns(self) -> dict:
        """Loads seized, their size and value; paths, transit countries and modes used; kg through each
        transit country this month."""
        seized = sum(self.seized_by.values())
        events = self.seizure_events
        used = [pth for pth, v in self.flow.items() if v > 0]
        out = {"seizure_events": events,
               "seized_kg_per_event": seized / events if events else 0.0,
               "seized_value_usd_per_event": self.seized_value / events if events else 0.0,
               "active_routes": len(used),
               "active_transit_nodes": len({c for pth in used for c in pth[1:-1]})}
        by_mode = dict.fromkeys(MODES, 0.0)
        through = {}
        for pth, kg in self.flow.items():
            for md in set(pth.modes):  # kg that travel at least one leg by the mode
                by_mode[md] += kg
            for c in pth[1:-1]:
                through[c] = through.get(c, 0.0) + kg
        for md in MODES:
            out[f"flow_kg_by_mode_{md}"] = by_mode[md]
        for c in sorted({c for pths in self.world.paths.values() for pth in pths for c in pth[1:-1]}):
            out[f"flow_kg_{c}"] = through.get(c, 0.0)
        return out

"""Routes: what a shipment loses on a path, how traffickers weigh paths, and which loads are seized where.

A path is a sequence of countries from an origin to a consumer market (model/world.py derives them).
Seizure hazards add along the countries crossed; a country's hazard is its base hazard plus what
interdiction buys there (model/enforcement). ``Routes`` keeps the month's seizures and flows.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from model import rng
from model.markets.seizures import loads_seized_at


def path_loss(world, hazard: dict, path: tuple, lost: float) -> float:
    """Share of a shipment seized or lost on a path (seizure hazards add along the countries crossed)."""
    h = sum(hazard[c] for c in path)
    return 1.0 - math.exp(-h) * (1.0 - lost)


def route_weights(world, hazard: dict, paths: list, value: float, sensitivity: float, lost: float,
                  expected_loss=None) -> np.ndarray:
    """Logit shares over paths in expected loss plus transport cost relative to the cargo's value."""
    costs = []
    for j, pth in enumerate(paths):
        el = expected_loss[j] if expected_loss is not None else path_loss(world, hazard, pth, lost)
        tc = sum(world.graph.edges[a, c]["cost"] for a, c in zip(pth[:-1], pth[1:]))
        costs.append(el + tc / value)
    x = -sensitivity * np.asarray(costs)
    x -= x.max()
    e = np.exp(x)
    return e / e.sum()


class Routes:
    """This month's seizures (kg by drug and country, loads), flows by path and losses, at ``hazard``
    (the dict of seizure hazards per crossing that interdiction updates in place)."""

    def __init__(self, world, hazard: dict, lost_fraction: float):
        self.world = world
        self.hazard = hazard
        self.lost_fraction = lost_fraction
        self.new_month(0, 0)

    def new_month(self, seed: int, t: int) -> None:
        self.seized_by = defaultdict(float)   # (drug, country) -> kg
        self.lost = defaultdict(float)        # drug -> kg lost on the way (not seized)
        self.seizure_events = 0
        self.flow = {}                        # path -> kg shipped
        self._counter = 0
        self._key = np.uint64(rng.key_py(seed, rng.SEIZURE, t))

    def path_loss_now(self, pth) -> float:
        return path_loss(self.world, self.hazard, pth, self.lost_fraction)

    def transport_cost(self, pth) -> float:
        g = self.world.graph
        return sum(g.edges[a, c]["cost"] for a, c in zip(pth[:-1], pth[1:]))

    def seize(self, pth, drug: str, kg: float, load: float) -> float:
        """Split ``kg`` into loads; each load is seized in the first country whose draw falls under its hazard."""
        n = max(1, int(math.ceil(kg / load)))
        per = kg / n
        pnode = np.array([1.0 - math.exp(-self.hazard[c]) for c in pth])
        hits = loads_seized_at(self._key, self._counter, n, pnode)
        self._counter += n * len(pth)
        seized = 0.0
        for j, c in enumerate(pth):
            k = int(hits[j])
            if k:
                self.seized_by[(drug, c)] += k * per
                seized += k * per
                self.seizure_events += k
        return seized

    def seized_total(self, drug: str) -> float:
        return sum(v for (d, _), v in self.seized_by.items() if d == drug)

    def columns(self) -> dict:
        """Loads seized, paths used and kg through each transit country this month."""
        out = {"seizure_events": self.seizure_events,
               "active_routes": sum(1 for v in self.flow.values() if v > 0)}
        through = {}
        for pth, kg in self.flow.items():
            for c in pth[1:-1]:
                through[c] = through.get(c, 0.0) + kg
        for c in sorted({c for pths in self.world.paths.values() for pth in pths for c in pth[1:-1]}):
            out[f"flow_kg_{c}"] = through.get(c, 0.0)
        return out

"""Scales of the agent populations. One user agent stands for ``people / n_users`` people."""

from __future__ import annotations

import numpy as np

PRESETS: dict[str, dict[str, int]] = {
    # tiny: for unit tests that compare the kernel and the reference path
    "tiny": {"n_users": 4_000, "n_farmers": 600, "n_orgs": 8, "n_suppliers": 12},
    # workshop: fast enough to step interactively in the app and to run in CI
    "workshop": {"n_users": 60_000, "n_farmers": 6_000, "n_orgs": 12, "n_suppliers": 40},
    # national: at least 1,000,000 user agents and 100,000 farmers
    "national": {"n_users": 1_000_000, "n_farmers": 100_000, "n_orgs": 24, "n_suppliers": 200},
    # full: one user agent per person at risk (n_users is set from the world's population)
    "full": {"n_users": 0, "n_farmers": 250_000, "n_orgs": 40, "n_suppliers": 400},
}


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers of agents proportional to ``weights`` that add up to ``total`` (largest remainder)."""
    w = np.asarray(weights, float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), np.int64)
    exact = w / w.sum() * total
    base = np.floor(exact).astype(np.int64)
    rest = total - base.sum()
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return base

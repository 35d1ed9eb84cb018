"""Which loads are seized where: one numba loop instead of a handful of NumPy calls per shipment.

Traffickers split each shipment into loads (model/traffickers/agent.py); each load crosses the countries of
its path in order and is seized in the first one whose draw falls under that country's probability.
A month has a few hundred shipments of a few loads each, so the work is tiny and per-call overhead
dominated; tests/test_model.py checks this loop against the same rule written with NumPy.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model import rng


@njit(cache=True)
def loads_seized_at(k, offset, n_loads, p_node):
    """The country where each load is seized (its index in ``p_node``), or -1 if it gets through.

    Load ``i`` at node ``j`` uses the draw with index ``offset + i * len(p_node) + j`` under key ``k``."""
    n_nodes = p_node.shape[0]
    where = np.full(n_loads, -1, np.int64)
    for i in range(n_loads):
        base = offset + i * n_nodes
        for j in range(n_nodes):
            if rng.uniform(k, base + j) < p_node[j]:
                where[i] = j
                break
    return where

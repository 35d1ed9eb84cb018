"""One place owns randomness: every draw is a pure function of (seed, stream, month, index).

A counter-based generator (SplitMix64 finalizer over a combined key) needs no
shared state, so a numba ``prange`` loop, a plain-Python reference loop and any
sweep backend draw the same numbers for the same agent in the same month,
whatever the thread count or the order of evaluation. Starsim and mesa-frames
use the same idea. The numba and the Python versions below are the same
arithmetic on uint64 and are tested to agree bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_MASK = (1 << 64) - 1
_INV53 = 1.0 / 9007199254740992.0  # 2**-53
STEP = _GOLD  # an index's counter is (index + 1) * STEP, modulo 2**64 (see bits and bits_at)

# Streams: one per kind of decision, so adding draws to one rule never shifts another. A stream's number
# never changes (5 and 10 are unused, so that the others keep the draws they have always had).
FARMER, USER, USER_B, USER_C, SEIZURE, SUPPLIER, ORG, INIT, INIT_B = 0, 1, 2, 3, 4, 6, 7, 8, 9
LOAD_SIZE, PATH_USE = 11, 12  # the sizes of a shipment's loads; whether a path carries a small share
PARAM_DRAW = 1000  # experiments' parameter draws: (draws seed, this stream, draw k), one uniform per parameter


@njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def key(seed, stream, month):
    """The per-(seed, stream, month) key; combine with an index in ``uniform``."""
    k = _mix(np.uint64(seed) * _GOLD + np.uint64(stream))
    return _mix(k ^ (np.uint64(month + 1000) * _GOLD))


@njit(cache=True, inline="always")
def bits(k, index):
    """The 64 random bits behind ``uniform(k, index)`` (its top 53 bits are the uniform's)."""
    return bits_at(k, (np.uint64(index) + np.uint64(1)) * STEP)


@njit(cache=True, inline="always")
def bits_at(k, counter):
    """``bits(k, index)`` given the index's counter, for a loop over consecutive indices that adds STEP
    to the counter instead of multiplying (the users kernel's screen)."""
    return _mix(k + counter)


@njit(cache=True, inline="always")
def uniform(k, index):
    """A uniform double in [0, 1) for ``index`` under key ``k``."""
    return float(bits(k, index) >> np.uint64(11)) * _INV53


@njit(cache=True)
def uniforms_at(k, n, offset):
    """``n`` uniforms for indices offset..offset+n-1 under key ``k`` (a np.uint64 from ``key_py``): the numbers
    of ``uniforms`` in one compiled call, for callers that draw a few at a time many times a month."""
    out = np.empty(n, np.float64)
    for i in range(n):
        out[i] = uniform(k, offset + i)
    return out


# --- the same arithmetic in plain Python (reference path, tests) ---------------------

def _mix_py(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def key_py(seed: int, stream: int, month: int) -> int:
    k = _mix_py((seed * 0x9E3779B97F4A7C15 + stream) & _MASK)
    return _mix_py(k ^ (((month + 1000) * 0x9E3779B97F4A7C15) & _MASK))


def uniform_py(k: int, index: int) -> float:
    z = _mix_py((k + ((index + 1) * 0x9E3779B97F4A7C15)) & _MASK)
    return (z >> 11) * _INV53


def uniforms(seed: int, stream: int, month: int, n: int, offset: int = 0) -> np.ndarray:
    """``n`` uniforms for indices offset..offset+n-1 (vectorized NumPy, same numbers)."""
    k = np.uint64(key_py(seed, stream, month))
    idx = np.arange(offset, offset + n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = k + (idx + np.uint64(1)) * STEP
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * _INV53

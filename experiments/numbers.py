"""Numbers for people: a t-interval of a mean, and numbers and dollar amounts as short text."""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

def t_interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of the mean; (mean, nan, nan) with fewer than 2 values."""
    x = np.asarray([v for v in values if v == v], dtype=float)
    n = len(x)
    if n == 0:
        return (float("nan"),) * 3
    m = float(x.mean())
    if n < 2:
        return m, float("nan"), float("nan")
    from scipy.stats import t

    half = float(t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half


def fmt_number(x: float, digits: int = 4) -> str:
    """108312 -> '108,300'; 0.04123 -> '0.0412'; nan -> 'n/a'."""
    if x is None or x != x:
        return "n/a"
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    if mag >= digits - 1:
        r = round(x, -(mag - digits + 1))
        return f"{int(r):,}"
    dec = max(digits - 1 - mag, 0)
    dec = min(dec, 6)
    s = f"{x:,.{dec}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def fmt_usd(x: float) -> str:
    """-1.234e9 -> 'USD -1.23 billion'; 99612 -> 'USD 99,600'."""
    if x is None or x != x:
        return "n/a"
    a = abs(x)
    for div, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if a >= div:
            return f"USD {x / div:,.3g} {word}" if a / div < 1000 else f"USD {x / div:,.0f} {word}"
    return f"USD {fmt_number(x)}"


def fmt_quantity(x: float, unit: str) -> str:
    return fmt_usd(x) if unit == "USD" else f"{fmt_number(x)} {unit}"

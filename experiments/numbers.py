"""Numbers for people: a t-interval of a mean, and numbers and dollar amounts as short text."""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

def t_interval(values: Iterable[float], level: float = 0.95, *,
               lower: float | None = None, upper: float | None = None) -> tuple[float, float, float]:
    """Mean and two-sided t-interval of the mean over seeds: (mean, low, high).

    - fewer than 2 values: (mean, nan, nan), no interval;
    - every value the same (a constant, such as a budget): (mean, mean, mean), no interval to print
      (:func:`is_constant`);
    - ``lower``/``upper``: the values the quantity cannot pass (0 for counts, people, hectares and
      prices; 1 for a share). The interval is cut there. With few seeds a t-interval of a count can
      reach below zero ("-268.9 to 5,519"); the mean of a quantity that is never below 0 is never
      below 0 either, so the part cut off holds no value the mean can take, and the cut interval
      covers the true mean exactly as often as the t-interval did (95%).
    """
    x = np.asarray([v for v in values if v == v], dtype=float)
    n = len(x)
    if n == 0:
        return (float("nan"),) * 3
    m = float(x.mean())
    if n < 2:
        return m, float("nan"), float("nan")
    if np.all(x == x[0]):
        return m, m, m
    from scipy.stats import t

    half = float(t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    low, high = m - half, m + half
    if lower is not None:
        low = max(low, lower)
    if upper is not None:
        high = min(high, upper)
    return m, low, high


def is_constant(low: float, high: float) -> bool:
    """Whether an interval of :func:`t_interval` is that of a constant (every seed gave the same number)."""
    return low == low and low == high


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
    """-1.234e9 -> 'USD -1.23 billion'; 99612 -> 'USD 99,610'; under half a dollar -> 'USD 0'."""
    if x is None or x != x:
        return "n/a"
    a = abs(x)
    if a < 0.5:  # to the dollar: a sum of budgets that differ only in their order of addition is 0, not -1e-06
        return "USD 0"
    for div, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if a >= div:
            return f"USD {x / div:,.3g} {word}" if a / div < 1000 else f"USD {x / div:,.0f} {word}"
    return f"USD {fmt_number(x)}"


def fmt_quantity(x: float, unit: str) -> str:
    return fmt_usd(x) if unit == "USD" else f"{fmt_number(x)} {unit}"

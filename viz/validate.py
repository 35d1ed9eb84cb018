"""Every value the page sends, checked before it reaches the model.

A browser can send anything over the websocket (not only what the widgets allow),
so each handler of the app passes its value through one of these functions first.
Numbers are clamped into range; values of the wrong type, NaN and infinities raise
:class:`PageInputError`, which the app shows as a message and otherwise ignores.
Nothing here touches the file system.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from model.policy import PROGRAMS, SWITCH_CHOICES

#: USD a year for one program, as the page may set it: budgets clamp to [0, 5e10]
BUDGET_MAX_USD = 5.0e10
#: the budget sliders' and number fields' range, million USD a year (a number typed outside it is refused;
#: a slider value outside it is clamped)
SLIDER_MAX_MUSD = 10_000
SLIDER_STEP_MUSD = 1
SEED_MIN, SEED_MAX = 0, 999
ENSEMBLE_MIN, ENSEMBLE_MAX = 1, 5
#: months a second when playing; the top of the range plays as fast as the machine steps (viz/play.py)
SPEED_MIN, SPEED_MAX = 1, 24
STEP_MONTHS_MAX = 24


class PageInputError(ValueError):
    """A value from the page that cannot be used (the page shows the message)."""


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise PageInputError(f"{what}: expected a number, got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise PageInputError(f"{what}: expected a finite number, got {x}")
    return x


def _whole(value: Any, what: str, low: int, high: int) -> int:
    x = _number(value, what)
    if x != math.floor(x):
        raise PageInputError(f"{what}: expected a whole number, got {x}")
    return int(min(max(x, low), high))


def program(name: Any) -> str:
    if not isinstance(name, str) or name not in PROGRAMS:
        raise PageInputError(f"unknown program {name!r}")
    return name


def budget_usd(value: Any) -> float:
    """USD a year, clamped to [0, BUDGET_MAX_USD]."""
    return min(max(_number(value, "budget"), 0.0), BUDGET_MAX_USD)


def budget_from_slider(value_musd: Any) -> float:
    """The budget slider's million USD a year as USD a year, clamped."""
    return budget_usd(_number(value_musd, "budget") * 1e6)


def budget_typed(program_name: Any, value: Any) -> float:
    """A budget typed in a program's number field (million USD a year, a number or its text) as USD a year.

    Unlike the slider's value, a typed number outside 0 to SLIDER_MAX_MUSD is refused, not clamped: the
    message names the program and the allowed range."""
    name = program(program_name).replace("_", " ")
    allowed = f"allowed: 0 to {SLIDER_MAX_MUSD:,} (USD million a year)"
    x: float | None = None
    if isinstance(value, str):
        try:
            x = float(value.strip().replace(",", "").replace("_", ""))
        except ValueError:
            x = None
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        x = float(value)
    if x is None or not math.isfinite(x):
        raise PageInputError(f"{name} budget: {str(value)[:40]!r} is not a number; {allowed}")
    if not 0 <= x <= SLIDER_MAX_MUSD:
        raise PageInputError(f"{name} budget: {x:,.10g} is out of range; {allowed}")
    return x * 1e6


def switch(name: Any, value: Any) -> Any:
    """A switch value from model.policy.SWITCH_CHOICES (true/false or one of the named choices)."""
    if not isinstance(name, str) or name not in SWITCH_CHOICES:
        raise PageInputError(f"unknown switch {name!r}")
    choices = SWITCH_CHOICES[name]
    if all(isinstance(c, bool) for c in choices):
        if not isinstance(value, bool):
            raise PageInputError(f"{name}: expected true or false, got {value!r}")
        return value
    if not isinstance(value, str) or value not in choices:
        raise PageInputError(f"{name}: expected one of {', '.join(map(str, choices))}, got {value!r}")
    return value


def seed(value: Any) -> int:
    return _whole(value, "seed", SEED_MIN, SEED_MAX)


def ensemble_size(value: Any) -> int:
    return _whole(value, "seeds in the ensemble", ENSEMBLE_MIN, ENSEMBLE_MAX)


def speed(value: Any) -> int:
    return _whole(value, "speed", SPEED_MIN, SPEED_MAX)


def months(value: Any) -> int:
    return _whole(value, "months", 1, STEP_MONTHS_MAX)

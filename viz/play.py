"""Playing a session: step month after month at the chosen speed, and redraw the page at most a few times a
second.

At a speed a step can keep up with, each month is due at ``start + months / speed``
and the loop waits for it. Redrawing the page (the charts' data, the cards, their
transfer to the browser) costs time in the same process, so it is done after every
month only at speeds up to one month per :data:`REDRAW_SECONDS`, and otherwise once
every :data:`REDRAW_SECONDS` with all the months stepped since. At the top of the speed range, or whenever stepping
is slower than the speed asks, the loop steps without waiting: the speed is then
what the machine can do, and the page shows the rate reached (``rate``).
``drugmarket bench`` times a 120-month play at each speed with this same loop
(benchmarks/app_play.py).
"""

from __future__ import annotations

import threading
import time
from typing import Callable

#: seconds between redraws while playing faster than one month per redraw
REDRAW_SECONDS = 0.5


class Play:
    """One play of ``session`` at ``speed`` months a second; ``redraw()`` is called after each batch."""

    def __init__(self, session, speed: float, redraw: Callable[[], None], cancel: threading.Event | None = None):
        self.session = session
        self.speed = float(speed)
        self.redraw = redraw
        self.cancel = cancel or threading.Event()
        self.months = 0
        self.redraws = 0
        self.seconds = 0.0

    @property
    def rate(self) -> float:
        """Months a second reached so far."""
        return self.months / self.seconds if self.seconds > 0 else float("nan")

    def run(self, max_months: int | None = None) -> bool:
        """Step until cancelled, the session's end, or ``max_months``; True if it stopped at the end."""
        s = self.session
        generation = s.generation
        start = last_draw = time.perf_counter()
        at_end = False
        pending = False
        while not self.cancel.is_set() and not s.closed and (max_months is None or self.months < max_months):
            if not s.step(1, generation=generation):
                at_end = True
                break
            self.months += 1
            pending = True
            now = time.perf_counter()
            self.seconds = now - start
            if self.speed * REDRAW_SECONDS <= 1 or now - last_draw >= REDRAW_SECONDS:
                last_draw = now
                self.redraw()
                self.redraws += 1
                pending = False
            due = start + self.months / self.speed
            wait = due - time.perf_counter()
            if wait > 0:
                self.cancel.wait(wait)
        if pending:
            self.redraw()
            self.redraws += 1
        self.seconds = time.perf_counter() - start
        return at_end

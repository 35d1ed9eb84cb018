"""A one-line progress report on stderr: runs done of total, failures, elapsed, time left.

Updated in place (carriage return) when the stream is a terminal; silent otherwise,
so logs and CI output stay clean. No dependency beyond the standard library.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float | None) -> str:
    """``75`` -> ``1:15``; ``3725`` -> ``1:02:05``; None -> ``?``."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "?"
    seconds = int(round(max(seconds, 0)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Progress of ``total`` runs.

    ``already`` runs were finished before this session (``--resume``): they count
    as done but not towards the rate used to estimate the time left.
    ``enabled=None`` means: only if ``stream`` is a terminal.
    """

    def __init__(
        self,
        total: int,
        *,
        label: str = "runs",
        stream: TextIO | None = None,
        enabled: bool | None = None,
        min_interval: float = 0.1,
        clock=time.monotonic,
    ):
        self.total = int(total)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            try:
                enabled = bool(self.stream.isatty())
            except (AttributeError, ValueError):
                enabled = False
        self.enabled = enabled
        self.min_interval = min_interval
        self.clock = clock
        self.already = 0
        self.done = 0
        self.failed = 0
        self._start = clock()
        self._last_draw = float("-inf")
        self._width = 0

    # -- counting
    def start(self, already: int = 0) -> "Progress":
        self.already = int(already)
        self.done = int(already)
        self._start = self.clock()
        self.draw(force=True)
        return self

    def advance(self, ok: bool = True) -> None:
        """One more run finished (``ok=False``: it failed)."""
        self.done += 1
        if not ok:
            self.failed += 1
        self.draw(force=self.done >= self.total)

    # -- text
    def elapsed(self) -> float:
        return self.clock() - self._start

    def remaining(self) -> float | None:
        """Seconds left, from the rate of this session's runs; None before the first."""
        fresh = self.done - self.already
        left = self.total - self.done
        if left <= 0:
            return 0.0
        if fresh <= 0:
            return None
        return self.elapsed() / fresh * left

    def line(self) -> str:
        text = f"{self.label}: {self.done}/{self.total} done"
        if self.failed:
            text += f", {self.failed} failed"
        text += f", {format_duration(self.elapsed())} elapsed"
        if self.done < self.total:
            text += f", ~{format_duration(self.remaining())} left"
        return text

    def draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if not force and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        text = self.line()
        pad = max(self._width - len(text), 0)
        self._width = len(text)
        try:
            self.stream.write("\r" + text + " " * pad)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

    def close(self) -> None:
        """Finish the line (draws the final state and a newline)."""
        if not self.enabled:
            return
        self.draw(force=True)
        try:
            self.stream.write("\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass
        self.enabled = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def as_progress(progress, total: int) -> Progress:
    """The Progress of ``total`` runs for a ``progress`` option: a Progress (its total set),
    None (shown on a terminal only) or true/false (shown or not)."""
    if isinstance(progress, Progress):
        progress.total = total
        return progress
    if progress is None:
        return Progress(total)
    return Progress(total, enabled=bool(progress))

"""Messages for bad scenario input: the error type, how values are shown, and did-you-mean hints."""

from __future__ import annotations

import datetime
import difflib
import json
import tomllib
from collections.abc import Iterable, Sequence
from typing import Any



class ScenarioError(ValueError):
    """Bad scenario input.

    ``key`` is the dotted key at fault (or None, e.g. for malformed TOML);
    ``source`` is where the input came from (a file path, ``--set``), or None.
    ``str(e)`` is a one-paragraph message for a person.
    """

    def __init__(self, message: str, key: str | None = None, source: str | None = None):
        super().__init__(message, key, source)
        self.message = message
        self.key = key
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message

    def __reduce__(self):  # keep key and source across pickling (dask workers)
        return (type(self), (self.message, self.key, self.source))


def _fmt(v: Any, depth: int = 0) -> str:
    """A short, TOML-like rendering of a value for messages."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        if v.bit_length() > 100:
            return f"<an integer of about {int(v.bit_length() * 0.30103)} digits>"
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        s = json.dumps(v, ensure_ascii=False)
        if not s.isprintable():
            s = json.dumps(v)
        return s if len(s) <= 60 else s[:56] + '..."'
    if v is None:
        return "nothing (null)"
    if isinstance(v, dict):
        if depth > 1:
            return "{...}"
        items = [f"{k if isinstance(k, str) else _fmt(k)} = {_fmt(x, depth + 1)}" for k, x in list(v.items())[:3]]
        return "{" + ", ".join(items) + (", ...}" if len(v) > 3 else "}")
    if isinstance(v, (list, tuple)):
        if depth > 1:
            return "[...]"
        items = [_fmt(x, depth + 1) for x in list(v)[:3]]
        return "[" + ", ".join(items) + (", ...]" if len(v) > 3 else "]")
    return f"<{type(v).__name__}>"


def _kind_of(v: Any) -> str:
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, (list, tuple)):
        return "an array"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, str):
        return "text"
    if isinstance(v, (int, float)):
        return "a number"
    return _fmt(v)


def _not(v: Any) -> str:
    """ "not text" etc., with a hint when text reads as a number or true/false."""
    msg = f"not {_kind_of(v)}"
    if isinstance(v, str):
        parsed = parse_value(v)
        if isinstance(parsed, (bool, int, float)) and parsed == parsed:
            msg += f" (write it without quotes: {v.strip()})"
    return msg


def _did_you_mean(word: str, candidates: Iterable[str], *, show: str = "{}") -> str:
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{show.format(match[0])}'?" if match else ""


def _unknown(key: str, what: str, word: str, candidates: Sequence[str], *, show: str = "{}", hint: str = "") -> ScenarioError:
    msg = f"{key}: unknown {what}" + _did_you_mean(word, candidates, show=show)
    if hint:
        msg += f"; {hint}"
    elif "did you mean" not in msg and len(candidates) <= 12:
        msg += f"; allowed: {', '.join(candidates)}"
    return ScenarioError(msg, key)


def _bad(key: str, value: Any, what: str) -> ScenarioError:
    return ScenarioError(f"{key} = {_fmt(value)}: {what}", key)


def parse_value(text: str) -> Any:
    """The value of ``--set key=value``: a TOML value (true, 12, 1e9, "quoted", [..], {..}), else the bare text."""
    s = str(text).strip()
    if not s or "\n" in s or "\r" in s:
        return s
    try:
        v = tomllib.loads(f"v = {s}\n")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, KeyError):
        return s
    if isinstance(v, (datetime.date, datetime.time)):  # datetime is a date
        return s
    return v

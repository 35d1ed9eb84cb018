"""Scenario files: find one (a path or a shipped name), read it as TOML, and validate it."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from model.scenario.build import Scenario, apply_overrides, scenario_from_dict
from model.scenario.messages import ScenarioError, _fmt

#: where the shipped scenario files live (``load_scenario("status_quo")`` finds them)
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "experiments" / "scenarios"


def _find(path: str | os.PathLike) -> Path:
    p = Path(path)
    if p.is_file():
        return p
    if not p.exists() and p.suffix == "" and len(p.parts) == 1 and (SCENARIO_DIR / f"{p.name}.toml").is_file():
        return SCENARIO_DIR / f"{p.name}.toml"
    if p.is_dir():
        raise ScenarioError(f"{p}: is a directory, not a scenario file")
    shipped = sorted(q.stem for q in SCENARIO_DIR.glob("*.toml")) if SCENARIO_DIR.is_dir() else []
    raise ScenarioError(f"{p}: no such scenario file" + (f"; shipped scenarios: {', '.join(shipped)}" if shipped else ""))


def _read_toml(p: Path) -> dict:
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ScenarioError(f"cannot read the file: {e.strerror or e}") from None
    if b"\x00" in data:
        raise ScenarioError("is not a text file (it contains NUL bytes); a scenario is a UTF-8 TOML text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ScenarioError(
            f"is not UTF-8 text (byte 0x{data[e.start]:02x} at line {line}); "
            "save the scenario as UTF-8 TOML text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"at line (\d+), column (\d+)", msg)
        where = ""
        if m:
            lines = text.splitlines()
            n = int(m.group(1))
            if 1 <= n <= len(lines):
                where = f": {lines[n - 1].strip()[:80]!r}"
        raise ScenarioError(f"is not valid TOML: {msg}{where}") from None
    except RecursionError:
        raise ScenarioError("is not valid TOML: nested too deeply") from None


def load_scenario(path: str | os.PathLike | None = None, overrides: Sequence[str] = (), *,
                  countries: Iterable[str] | None = None) -> Scenario:
    """Read a scenario file (None: the status quo) and apply ``--set`` overrides.

    A bare name such as ``"status_quo"`` finds a shipped file of experiments/scenarios.
    A file without ``name`` is named after the file. A relative ``world`` in the
    file is relative to the file. An empty file is the status quo.
    """
    if path is None:
        s = Scenario()
    else:
        try:
            p = _find(path)
            raw = _read_toml(p)
        except ScenarioError as e:
            e.source = e.source or str(path)
            raise
        s = scenario_from_dict(raw, countries=countries, source=str(p))
        if "name" not in raw:
            s.name = p.stem
        if s.world is not None and not Path(s.world).is_absolute():
            s.world = str((p.parent / s.world).resolve())
    s = apply_overrides(s, overrides, countries=countries)
    if s.world is not None and not Path(s.world).is_file():
        raise ScenarioError(f"world = {_fmt(s.world)}: no such world file", "world",
                            str(path) if path is not None else "--set")
    return s

"""A scenario as a TOML file (the inverse of reading one)."""

from __future__ import annotations

import json
import re
from typing import Any

from model.policy import SWITCHES
from model.scenario.keys import TOP_SCALARS


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(k: str) -> str:
    return k if _BARE.match(k) else _toml_str(k)


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and abs(v) >= 1e6:  # 4.5e+08 rather than 450000000.0
        return next(t for n in range(1, 18) if float(t := f"{v:.{n}e}") == v)
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))  # pragma: no cover


def to_toml(d: dict) -> str:
    out = [f"{k} = {_toml_value(d[k])}" for k in TOP_SCALARS if k in d]
    pol = d["policy"]
    out += ["", "[policy]"] + [f"{k} = {_toml_value(pol[k])}" for k in SWITCHES]
    out += ["", "[policy.budget]  # USD per year"]
    tables = []
    for prog, b in pol["budget"].items():
        if isinstance(b, dict):
            tables += ["", f"[policy.budget.{prog}]"] + [f"{_toml_key(c)} = {_toml_value(x)}" for c, x in b.items()]
        else:
            out.append(f"{prog} = {_toml_value(b)}")
    out += tables
    for c, sw in pol.get("countries", {}).items():
        out += ["", f"[policy.countries.{_toml_key(c)}]"] + [f"{k} = {_toml_value(x)}" for k, x in sw.items()]
    out += ["", "[params]"] + [f"{_toml_str(k)} = {_toml_value(v)}" for k, v in d.get("params", {}).items()]
    for e in d.get("events", []):
        out += ["", "[[events]]", f"month = {e['month']}", f"set = {_toml_value(e['set'])}"]
    return "\n".join(out) + "\n"
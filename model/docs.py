"""Generate the tables of docs/ODD.md from the code, so the documentation cannot drift from it.

    python -m model.docs            # rewrite the generated sections of docs/ODD.md in place
    python -m model.docs --check    # exit 1 if docs/ODD.md is out of date (a test runs this)
"""

from __future__ import annotations

import sys
from pathlib import Path

from model.params import PARAMS, load_table
from model.policy import COUNTRY_VALUES, PROGRAM_DOC, PROGRAMS, STATUS_QUO_BUDGET, SWITCH_CHOICES, SWITCH_DOC, SWITCHES

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
BEGIN = "<!-- BEGIN GENERATED: {} (python -m model.docs) -->"
END = "<!-- END GENERATED: {} -->"


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def parameter_table() -> str:
    rows = ["| name | default | unit | range | grade | source | meaning |", "|---|---|---|---|---|---|---|"]
    for name in sorted(PARAMS):
        p = PARAMS[name]
        rng = "true/false" if isinstance(p.default, bool) else (
            " / ".join(map(str, p.choices)) if p.choices else f"{_fmt(p.low)} to {_fmt(p.high)}")
        rows.append(f"| `{name}` | {_fmt(p.default)} | {p.unit} | {rng} | {p.grade} | {p.source} | {p.doc} |")
    return "\n".join(rows)


def policy_table() -> str:
    rows = ["| lever | status quo | unit | what it does in the model |", "|---|---|---|---|"]
    for prog in PROGRAMS:
        rows.append(f"| `policy.budget.{prog}` | {STATUS_QUO_BUDGET[prog]:.3g} | USD a year | {PROGRAM_DOC[prog]} |")
    for sw, default in SWITCHES.items():
        choices = " / ".join(_fmt(c) for c in SWITCH_CHOICES[sw])
        rows.append(f"| `policy.{sw}` | {_fmt(default)} | {choices} | {SWITCH_DOC[sw]} |")
    for name, (low, high, unit, doc) in COUNTRY_VALUES.items():
        rows.append(f"| `policy.countries.<country>.{name}` | from the world file | {_fmt(low)} to {_fmt(high)} ({unit}) "
                    f"| {doc} |")
    return "\n".join(rows)


def ledger_table() -> str:
    """The outcome ledger's weights and costs (model/data/ledger.toml): they weigh outputs, never change a run."""
    rows = ["| name | default | unit | range | grade | source | meaning |", "|---|---|---|---|---|---|---|"]
    for name, p in sorted(load_table("ledger.toml").items()):
        rows.append(f"| `{name}` | {_fmt(p.default)} | {p.unit} | {_fmt(p.low)} to {_fmt(p.high)} | {p.grade} | "
                    f"{p.source} | {p.doc} |")
    return "\n".join(rows)


SECTIONS = {"parameters": parameter_table, "policy": policy_table, "ledger": ledger_table}


def render(text: str) -> str:
    for name, fn in SECTIONS.items():
        b, e = BEGIN.format(name), END.format(name)
        if b not in text or e not in text:
            raise SystemExit(f"docs/ODD.md lacks the markers for the generated '{name}' table:\n{b}\n{e}")
        head, rest = text.split(b, 1)
        _, tail = rest.split(e, 1)
        text = f"{head}{b}\n{fn()}\n{e}{tail}"
    return text


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = ODD.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print("docs/ODD.md is out of date: run python -m model.docs", file=sys.stderr)
            return 1
        return 0
    ODD.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Every shipped scenario (experiments/scenarios/*.toml) loads, checks against the world,
runs, and says what it encodes; the proposals' budget arithmetic holds.

The budgets and their derivation are in each file's comments and in docs/experiments.md;
the tests below keep the numbers, the stated totals and the 40/60 split in step. The passages
the proposal files quote are checked against tests/data/solutions_quotes.txt, the quoted
paragraphs of "International Drug Policy: Solutions" (docs/references.md).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from model.policy import DEMAND_PROGRAMS, PROGRAMS, STATUS_QUO_BUDGET, SUPPLY_PROGRAMS
from model.run import check_scenario, simulate
from model.scenario import SCENARIO_DIR, load_scenario, set_value

SHIPPED = sorted(SCENARIO_DIR.glob("*.toml"))
PROPOSALS = {
    "rebalance_40_60", "alternative_development_tripled", "harm_reduction_500m", "precursor_regime",
    "portugal_decriminalization", "combined_package",
}
#: the document the proposals come from, by its citation key in docs/references.md
SOURCE_TITLE = "International Drug Policy: Solutions"
#: the paragraphs of that document the proposal files quote, verbatim, with their section headings
QUOTED = Path(__file__).resolve().parent / "data" / "solutions_quotes.txt"
STATUS_QUO_TOTAL = sum(STATUS_QUO_BUDGET.values())


def _ids(paths):
    return [p.stem for p in paths]


def _totals(s) -> tuple[float, float]:
    pol = s.policy
    return (sum(pol.total(p) for p in SUPPLY_PROGRAMS), sum(pol.total(p) for p in DEMAND_PROGRAMS))


def _header(path: Path) -> str:
    """The comment block at the top of a file, as one line of text."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(x for x in lines if x)


def test_every_proposal_is_shipped():
    assert PROPOSALS | {"status_quo"} <= {p.stem for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=_ids(SHIPPED))
def test_shipped_scenario_loads_checks_and_runs(path):
    s = load_scenario(path)
    assert load_scenario(path.stem).to_dict() == s.to_dict()  # found by name too
    assert s.preset == "workshop" and s.months == 120
    check_scenario(s)  # countries exist, the calibration works
    set_value(s, "preset", "tiny")
    set_value(s, "months", 3)
    df = simulate(s, seed=1)
    assert len(df) == 3
    assert df["overdose_deaths"].notna().all() and (df["people_with_sud"] > 0).all()
    # every program spends its budget: a month is a twelfth of a year
    for prog in PROGRAMS:
        assert df[f"spend_usd_{prog}"].iloc[-1] == pytest.approx(s.policy.total(prog) / 12, rel=1e-9)


@pytest.mark.parametrize("path", [p for p in SHIPPED if p.stem in PROPOSALS], ids=_ids(p for p in SHIPPED if p.stem in PROPOSALS))
def test_proposal_files_start_with_the_passage_they_encode(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#")
    head = _header(path)
    assert SOURCE_TITLE in head
    assert any(len(q) >= 25 for q in re.findall(r'"([^"]*)"', head))  # at least one quoted passage


def _norm(text: str) -> str:
    """Lower case, markdown emphasis dropped, runs of white space as one space."""
    return re.sub(r"\s+", " ", text.replace("*", "")).strip().lower()


def _quoted_text() -> str:
    """The quoted paragraphs of the source document, without the file's notes (lines starting with %)."""
    lines = QUOTED.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.startswith("%"))


def test_quoted_paragraphs_name_their_source_and_hold_the_proposals_amounts():
    """The file of quoted paragraphs says which document it quotes, and holds the amounts the
    scenarios are built from: the total, the 80/20 and 40/60 splits, the $2.2B shift, alternative
    development $350M -> $1B, $500M of harm reduction, $200-300M for the precursor regime."""
    notes = " ".join(line for line in QUOTED.read_text(encoding="utf-8").splitlines() if line.startswith("%"))
    assert f'"{SOURCE_TITLE}"' in notes and "docs/references.md" in notes
    text = _norm(_quoted_text())
    assert text.startswith(_norm(f"# {SOURCE_TITLE}"))
    for passage in [
        "approximately $5.5 billion u.s. international drug control budget",
        "at least 60% toward demand reduction", "no more than 40% to supply-side enforcement",
        "approximately 80% goes to supply-side programs and 20% to demand-side programs",
        "shift approximately $2.2 billion annually",
        "from $350 million to $1 billion annually",
        "harm reduction funding stream of $500 million annually",
        "$200-300 million annually for the multilateral precursor regime",
        "budget-neutral at the aggregate level",
    ]:
        assert passage in text, passage


@pytest.mark.parametrize("path", [p for p in SHIPPED if p.stem in PROPOSALS], ids=_ids(p for p in SHIPPED if p.stem in PROPOSALS))
def test_quoted_passages_are_in_the_source(path):
    """Every quotation of 25 characters or more in a file's header is the source document's text
    (up to case, line breaks and '...' for omissions)."""
    source = _norm(_quoted_text())
    # passages of 25 characters or more with spaces (not the dotted keys of an example)
    quotes = [q for q in re.findall(r'"([^"]*)"', _header(path)) if len(q) >= 25 and " " in q]
    assert quotes
    for q in quotes:
        for fragment in q.split("..."):
            fragment = _norm(fragment)
            if len(fragment) >= 10:
                assert fragment in source, f"{path.name}: not in {SOURCE_TITLE}: {fragment!r}"


# --------------------------------------------------------------------------- budget arithmetic
def test_status_quo_is_5_5_billion_80_20():
    sup, dem = _totals(load_scenario("status_quo"))
    assert sup + dem == pytest.approx(5.5e9) and sup == pytest.approx(4.4e9)


@pytest.mark.parametrize("name", ["rebalance_40_60", "combined_package"])
def test_40_60_split_of_the_same_total(name):
    s = load_scenario(name)
    sup, dem = _totals(s)
    assert sup + dem == pytest.approx(STATUS_QUO_TOTAL)
    assert sup == pytest.approx(0.4 * STATUS_QUO_TOTAL) and dem == pytest.approx(0.6 * STATUS_QUO_TOTAL)
    b = s.policy.budget
    assert b["alternative_development"] == 1.0e9                       # Solution 3
    assert b["harm_reduction"] == STATUS_QUO_BUDGET["harm_reduction"] + 5.0e8  # Solution 4
    # treatment and prevention share the rest in their status-quo proportion 4.5 : 2.0
    rest = 0.6 * STATUS_QUO_TOTAL - 1.0e9 - 6.0e8
    assert b["treatment"] == pytest.approx(rest * 4.5 / 6.5, abs=5e6)
    assert b["prevention"] == pytest.approx(rest * 2.0 / 6.5, abs=5e6)


def test_rebalance_halves_every_supply_program():
    b = load_scenario("rebalance_40_60").policy.budget
    for prog in SUPPLY_PROGRAMS:
        assert b[prog] == pytest.approx(0.5 * STATUS_QUO_BUDGET[prog])


def test_alternative_development_tripled_offset_by_eradication_and_interdiction():
    s = load_scenario("alternative_development_tripled")
    b = s.policy.budget
    assert b["alternative_development"] == 1.0e9
    assert s.policy.switches["alternative_development_before_eradication"] is True
    extra = 1.0e9 - STATUS_QUO_BUDGET["alternative_development"]
    cut = (STATUS_QUO_BUDGET["eradication"] - b["eradication"]) + (STATUS_QUO_BUDGET["interdiction"] - b["interdiction"])
    assert cut == pytest.approx(extra)
    assert b["eradication"] == pytest.approx(0.5 * STATUS_QUO_BUDGET["eradication"])
    assert sum(_totals(s)) == pytest.approx(STATUS_QUO_TOTAL)


def test_harm_reduction_500m_half_offset():
    s = load_scenario("harm_reduction_500m")
    assert s.policy.budget["harm_reduction"] == pytest.approx(6.0e8)
    assert sum(_totals(s)) == pytest.approx(STATUS_QUO_TOTAL + 2.5e8)


def test_precursor_regime_class_in_china_and_india():
    s = load_scenario("precursor_regime")
    assert s.policy.budget["precursor_control"] == pytest.approx(STATUS_QUO_BUDGET["precursor_control"] + 2.5e8)
    assert s.policy.switch("precursor_scheduling", "china") == "class"
    assert s.policy.switch("precursor_scheduling", "india") == "class"
    assert s.policy.switch("precursor_scheduling", "mexico") == "list"
    assert sum(_totals(s)) == pytest.approx(STATUS_QUO_TOTAL + 2.5e8)


def test_portugal_moves_the_possession_share_of_enforcement_to_treatment():
    from model.params import PARAMS

    share = PARAMS["user.possession_arrest_share"].default
    s = load_scenario("portugal_decriminalization")
    b = s.policy.budget
    moved = share * STATUS_QUO_BUDGET["domestic_enforcement"]
    assert s.policy.switches["decriminalize_possession"] is True
    assert b["domestic_enforcement"] == pytest.approx(STATUS_QUO_BUDGET["domestic_enforcement"] - moved)
    assert b["treatment"] == pytest.approx(STATUS_QUO_BUDGET["treatment"] + moved)
    assert sum(_totals(s)) == pytest.approx(STATUS_QUO_TOTAL)


def test_combined_package_has_every_component():
    s = load_scenario("combined_package")
    p = s.policy
    portugal = load_scenario("portugal_decriminalization").policy.budget
    assert p.switches["decriminalize_possession"] and p.switches["alternative_development_before_eradication"]
    assert p.switch("precursor_scheduling", "china") == p.switch("precursor_scheduling", "india") == "class"
    assert p.budget["precursor_control"] == pytest.approx(4.0e8)
    assert p.budget["financial_targeting"] == STATUS_QUO_BUDGET["financial_targeting"]
    assert p.budget["eradication"] == load_scenario("alternative_development_tripled").policy.budget["eradication"]
    assert p.budget["domestic_enforcement"] == pytest.approx(portugal["domestic_enforcement"])
    assert p.budget["treatment"] >= portugal["treatment"]
    assert not math.isclose(p.budget["interdiction"], STATUS_QUO_BUDGET["interdiction"])


DECOMPOSITIONS = SCENARIO_DIR.parent / "decompositions"
#: each decomposition file: the card whose levers it splits
SPLITS = {"portugal_decriminalization": ("decriminalize_only", "enforcement_cut_only", "treatment_portugal_only"),
          "rebalance_40_60": ("treatment_40_60_only", "harm_reduction_40_60_only", "prevention_40_60_only",
                              "supply_40_60_only")}


def _changes(s) -> dict:
    """What a scenario changes from the status quo: budgets and switches."""
    sq = load_scenario(SCENARIO_DIR / "status_quo.toml")
    out = {p: s.policy.total(p) for p in PROGRAMS if s.policy.total(p) != sq.policy.total(p)}
    out.update({k: v for k, v in s.policy.switches.items() if v != sq.policy.switches[k]})
    return out


@pytest.mark.parametrize("card", sorted(SPLITS))
def test_a_cards_decomposition_files_change_its_levers_once_each_and_nothing_else(card):
    """experiments/decompositions/ split a card's effect by lever (docs/results.md): together its files
    must make exactly the card's changes, each change in one file."""
    parts = [_changes(load_scenario(DECOMPOSITIONS / f"{f}.toml")) for f in SPLITS[card]]
    assert all(parts), "a decomposition file that changes nothing"
    merged = {}
    for part in parts:
        assert not set(part) & set(merged), "a lever in two files"
        merged.update(part)
    assert merged == _changes(load_scenario(SCENARIO_DIR / f"{card}.toml"))
    assert sorted(p.stem for p in DECOMPOSITIONS.glob("*.toml")) == sorted(f for fs in SPLITS.values() for f in fs)

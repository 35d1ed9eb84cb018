"""The recorded runs behind the reform section of docs/results.md (experiments/published/reform_tables.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments.published import reform_tables as rt
from experiments.published.reform import proposals


def _row(policy, outcome, mean, **kw):
    return {"policy": policy, "outcome": outcome, "label": f"{outcome} averted", "mean": mean, "low": mean - 1,
            "high": mean + 1, "chance_low": mean - 1, "chance_high": mean + 1, "param_low": mean - 5,
            "param_high": mean + 5, "draws_positive": 3, "draws_negative": 1, "n_draws": 4, **kw}


def test_the_draws_table_gives_both_intervals_and_the_draws_signs():
    df = pd.DataFrame([_row("card", o, 100.0) for o in rt.OUTCOMES] + [_row("card", "spend_usd", 0.0)])
    lines = rt.draws_table(df)
    assert len(lines) == 2 + len(rt.OUTCOMES)  # spending is not an outcome averted
    assert "| card | overdose_deaths averted | 100 | 99 to 101 | 95 to 105 | 3 / 1 |" in lines


def test_the_appendix_renders_what_is_recorded_and_nothing_otherwise(tmp_path, monkeypatch):
    monkeypatch.setattr(rt, "DRAWS", tmp_path / "none.csv")
    monkeypatch.setattr(rt, "LEVERS", tmp_path / "none2.csv")
    assert rt.appendix() == ""
    path = tmp_path / "levers.csv"
    pd.DataFrame([_row(p, o, 10.0) for p in ("a", "b") for o in rt.OUTCOMES]).to_csv(path, index=False)
    monkeypatch.setattr(rt, "LEVERS", path)
    text = rt.appendix()
    assert rt.LEVERS_COMMAND in text and "| a | 10 (9 to 11)" in text and "| b |" in text


@pytest.mark.skipif(not rt.DRAWS.exists(), reason="no recorded draws run")
def test_the_recorded_draws_run_has_every_card_and_outcome_with_both_intervals():
    df = pd.read_csv(rt.DRAWS)
    cards = {load.replace("_", "-") for load in proposals()}
    assert {p.replace("_", "-") for p in df.policy} == cards
    for o in rt.OUTCOMES:
        got = df[df.outcome == o]
        assert len(got) == len(cards)
        assert (got.param_low <= got.param_high).all() and (got.chance_low <= got.chance_high).all()
    used = df[df.outcome.isin(rt.OUTCOMES)].n_draws
    assert (used >= 15).all() and (used <= 20).all()  # of the command's 20, those whose world reproduces 2021

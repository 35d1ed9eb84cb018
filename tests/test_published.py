"""The published experiments: each is complete, and the CI gate catches a broken mechanism."""

from __future__ import annotations

import json

import pytest

from experiments.published import EXPERIMENTS
from experiments.published.base import Stat
from experiments.published.reproduce import REFERENCES, gate, main


def test_every_target_and_the_reform_question_has_an_experiment():
    names = list(EXPERIMENTS)
    assert len([n for n in names if n.startswith("t")]) == 12
    assert "reform" in names
    for exp in EXPERIMENTS.values():
        assert exp.source and exp.band and exp.finding and exp.title


def test_gate_flags_a_statistic_that_moved_and_passes_one_that_did_not():
    import numpy as np
    refs = {"x": {"s": {"mean": 1.0, "sd": 0.01, "n": 3}}}
    assert gate("x", {"s": Stat(np.array([1.0, 1.01, 0.99]))}, refs) == []
    assert gate("x", {"s": Stat(np.array([1.5, 1.51, 1.49]))}, refs)
    assert gate("x", {"t": Stat(np.array([1.0]))}, refs)  # no reference: flagged


@pytest.mark.slow
def test_breaking_naloxone_makes_the_fast_tier_fail(capsys):
    """With naloxone's effect disabled, the fast tier's gate fails."""
    refs = json.loads(REFERENCES.read_text())
    assert "t08_naloxone" in refs
    code = main(["t08_naloxone", "--fast", "--workers", "2", "--out", "/tmp/drugmarket-broken",
                 "--set", "user.naloxone_reversal_probability=0.0"])
    err = capsys.readouterr().err
    assert code == 1
    assert "t08_naloxone.rate_ratio" in err

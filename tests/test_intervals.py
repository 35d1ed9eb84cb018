"""Intervals and the words around them: never below zero for what cannot be negative, none for a
constant, and changes worded as more or fewer, better or worse (no "averted -5,403")."""

import math

import pandas as pd
import pytest

from experiments.compare import compare_metrics
from experiments.compare_text import change_text, format_table
from experiments.numbers import fmt_usd, is_constant, t_interval
from experiments.run_summary import summary_lines


def test_a_count_interval_is_cut_at_zero_and_keeps_its_upper_end():
    counts = [0.0, 0.0, 2500.0, 9000.0]  # a t-interval of these reaches below 0
    m, lo, hi = t_interval(counts)
    assert lo < 0
    m2, lo2, hi2 = t_interval(counts, lower=0.0)
    assert (m2, lo2, hi2) == (m, 0.0, hi)


def test_a_share_interval_stays_below_one():
    _, lo, hi = t_interval([0.2, 0.99, 0.999], lower=0.0, upper=1.0)
    assert 0.0 <= lo and hi == 1.0


def test_a_constant_has_no_interval_and_one_seed_has_none_either():
    m, lo, hi = t_interval([5.5e9] * 4)
    assert (m, lo, hi) == (5.5e9, 5.5e9, 5.5e9) and is_constant(lo, hi)
    m, lo, hi = t_interval([3.0])
    assert m == 3.0 and math.isnan(lo) and not is_constant(lo, hi)


def _rows(values_by_seed: dict[int, tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for seed, (hiv, spend) in values_by_seed.items():
        for month in range(1, 13):
            rows.append({"seed": seed, "month": month, "new_hiv_pwid": hiv / 12, "spend_usd_treatment": spend})
    return pd.DataFrame(rows)


def test_the_run_summary_prints_no_negative_bound_and_no_interval_for_a_constant():
    lines = summary_lines(_rows({1: (0.0, 1e8), 2: (0.0, 1e8), 3: (50.0, 1e8), 4: (8000.0, 1e8)}))
    hiv = next(x for x in lines if x.startswith("new HIV infections"))
    assert "(95% interval 0 to " in hiv and "-" not in hiv
    spend = next(x for x in lines if x.startswith("spending"))
    assert spend.startswith("spending (all programs): USD 1.2 billion a year") and "interval" not in spend


@pytest.mark.parametrize("mean, low, high, expected", [
    (-5403.0, -9000.0, -1400.0, "5,403 more (worse; 95% interval 1,400 to 9,000 more)"),
    (-5403.0, -9000.0, 2000.0, "5,403 more (worse; 95% interval 9,000 more to 2,000 fewer)"),
    (134800.0, 132100.0, 137500.0, "134,800 fewer (better; 95% interval 132,100 to 137,500 fewer)"),
    (12.0, float("nan"), float("nan"), "12 fewer (better; no interval with one seed)"),
    (0.0, 0.0, 0.0, "no change"),
])
def test_changes_are_worded_more_or_fewer_better_or_worse(mean, low, high, expected):
    assert change_text("violence_deaths", "deaths", mean, low, high) == expected


def test_spending_is_more_or_less_with_no_verdict_and_a_constant_alone():
    assert change_text("spend_usd", "USD", 1e9, 1e9, 1e9) == "USD 1 billion more"
    assert change_text("cultivation_ha", "ha", 44000, 30000, 50000) == (
        "44,000 ha less (better; 95% interval 30,000 to 50,000 ha less)")


def test_the_comparison_table_has_no_double_negative():
    metrics = pd.DataFrame({
        "scenario": ["base"] * 3 + ["pol"] * 3, "seed": [1, 2, 3] * 2,
        "violence_deaths": [100.0, 110.0, 90.0, 5500.0, 5400.0, 5600.0],
        "overdose_deaths": [1000.0, 1100.0, 900.0, 990.0, 1080.0, 905.0],
        "spend_usd": [5e9] * 6,
    })
    text = format_table(compare_metrics(metrics, "base", ["pol"]))
    assert "violence deaths:" in text and "5,400 more (worse; 95% interval" in text
    assert "averted -" not in text and "interval -" not in text
    assert "spending:" in text and "no change" in text


def test_dollars_are_shown_to_the_dollar_so_rounding_noise_reads_zero():
    """Two budgets with the same total can differ by 1e-06 from the order of addition: that is USD 0."""
    assert fmt_usd(-0.000001) == "USD 0" and fmt_usd(0.4) == "USD 0"
    assert fmt_usd(-1.234e9) == "USD -1.23 billion" and fmt_usd(99612) == "USD 99,610"

"""Which result columns hold an outcome: one per drug, per growing country, per program.

The model's results have one column per outcome and, for some outcomes, one per
drug, country or program under a common prefix (``retail_price_cocaine``,
``cultivation_ha_colombia``, ``spend_usd_treatment``). These helpers pick the
columns to sum; the comparison, the run summary and the figures use them alike.
This module imports nothing else of the project, so any module can import it.
"""

from __future__ import annotations

import re

import pandas as pd

#: cultivation_ha_<x> columns that are aggregates over countries, not countries
CROP_AGGREGATES = frozenset({"coca", "poppy", "opium", "cannabis", "total", "all"})


def is_numeric_column(df: pd.DataFrame, c: str) -> bool:
    return pd.api.types.is_numeric_dtype(df[c])


def drug_columns(df: pd.DataFrame, prefix: str) -> list[str]:
    """``<prefix><drug>`` columns (one per drug), not the ``<prefix><drug>_<place>`` breakdowns."""
    return sorted(c for c in df.columns if c.startswith(prefix) and "_" not in c[len(prefix):] and is_numeric_column(df, c))


def is_country_cultivation(column: str) -> bool:
    """A ``cultivation_ha_<country>`` column: not a crop aggregate such as cultivation_ha_coca, and not a
    municipality (``cultivation_ha_<country>_m<k>``)."""
    p = "cultivation_ha_"
    return column.startswith(p) and column[len(p):] not in CROP_AGGREGATES and not re.search(r"_m\d+$", column)


def cultivation_columns(df: pd.DataFrame) -> list[str]:
    """The ``cultivation_ha_<country>`` columns (is_country_cultivation) of ``df``."""
    return sorted(c for c in df.columns if is_country_cultivation(c) and is_numeric_column(df, c))


def spend_columns(df: pd.DataFrame) -> list[str]:
    """``spend_usd_<program>`` columns, one per program (not per-country breakdowns)."""
    p = "spend_usd_"
    cols = [c for c in df.columns if c.startswith(p) and is_numeric_column(df, c)]
    try:
        from model.policy import PROGRAMS
    except ImportError:  # pragma: no cover - without the model: every spend column
        return sorted(cols)
    known = [c for c in cols if c[len(p):] in PROGRAMS]
    return sorted(known) if known else sorted(cols)


def outcome_columns(df: pd.DataFrame, spec: str) -> list[str]:
    """The columns of one outcome: ``spec`` is a column name, or a prefix ending in ``_`` whose
    numeric columns are summed (cultivation and spending with the rules above)."""
    if spec == "cultivation_ha_":
        return cultivation_columns(df)
    if spec == "spend_usd_":
        return spend_columns(df)
    if spec.endswith("_"):
        return sorted(c for c in df.columns if c.startswith(spec) and is_numeric_column(df, c))
    return [spec] if spec in df.columns else []

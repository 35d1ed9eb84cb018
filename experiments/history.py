"""The historical record, 2010-2023: yearly series the model's history can be checked against.

model/data/history/record_2010_2023.csv holds one row per series and year: the value (``low`` and
``high`` where the source gives a range or a bound), its unit, its grade (H: read in the source or an
export that reproduces it; M: a secondary source quoting the official figure, or arithmetic on H/M
values; L: not found in a source, do not rely on it), the source by title, a note (definition changes,
bounds, provisional counts), and, where the model has a matching output, the column, how a calendar
year of monthly outputs is summarised (``sum`` of a flow, ``last`` month of a stock, ``mean``) and the
factor that turns it into the record's unit (kg to tonnes: 0.001). docs/history.md lists the series,
their gaps and what is only secondary.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

RECORD = Path(__file__).resolve().parents[1] / "model" / "data" / "history" / "record_2010_2023.csv"
COLUMNS = ("series", "year", "value", "low", "high", "unit", "grade", "source", "note", "model_column",
           "aggregate", "model_factor")
GRADES = ("H", "M", "L")
AGGREGATES = ("sum", "last", "mean")


class RecordError(ValueError):
    """A malformed record file: the message names the row, the field and what is allowed."""


def read_record(path: str | Path = RECORD) -> pd.DataFrame:
    """The record as a DataFrame, checked: every row has a series, a year in 1990-2030, a finite value,
    a unit, a grade in H/M/L, a source, and (series, year, note) appears once."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as e:
        raise RecordError(f"{path}: cannot read the record ({e})") from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise RecordError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    for i, row in df.iterrows():
        where = f"{path.name} row {i + 2} ({row['series'] or '?'} {row['year'] or '?'})"
        if not row["series"]:
            raise RecordError(f"{where}: 'series' is empty")
        year = _number(row["year"], where, "year")
        if year != int(year) or not 1990 <= year <= 2030:
            raise RecordError(f"{where}: 'year' must be a whole year in 1990-2030, got {row['year']!r}")
        for field in ("value", "low", "high", "model_factor"):
            if row[field] or field == "value":
                _number(row[field], where, field)
        if row["grade"] not in GRADES:
            raise RecordError(f"{where}: 'grade' must be one of {', '.join(GRADES)}, got {row['grade']!r}")
        for field in ("unit", "source"):
            if not row[field].strip():
                raise RecordError(f"{where}: '{field}' is empty; every value needs its {field}")
        if row["model_column"] and row["aggregate"] not in AGGREGATES:
            raise RecordError(f"{where}: 'aggregate' must be one of {', '.join(AGGREGATES)} when a model column "
                              f"is given, got {row['aggregate']!r}")
    dup = df.duplicated(["series", "year", "note"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise RecordError(f"{path.name}: {first['series']} {first['year']} appears more than once")
    out = df.copy()
    out["year"] = out["year"].astype(int)
    for field in ("value", "low", "high", "model_factor"):
        out[field] = pd.to_numeric(out[field].replace("", math.nan))
    return out


def _number(text: str, where: str, field: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise RecordError(f"{where}: '{field}' must be a number, got {text!r}") from None
    if not math.isfinite(x):
        raise RecordError(f"{where}: '{field}' must be finite, got {text!r}")
    return x


def series_summary(record: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per series: its unit, years covered, the count of values by grade and its model column."""
    df = read_record() if record is None else record
    rows = []
    for name, g in df.groupby("series", sort=False):
        grades = g["grade"].value_counts()
        rows.append({
            "series": name, "unit": g["unit"].iloc[0], "years": _years(sorted(g["year"].unique())),
            "values": len(g), **{f"grade_{k}": int(grades.get(k, 0)) for k in GRADES},
            "model_column": g["model_column"].iloc[0] or "",
        })
    return pd.DataFrame(rows)


def _years(years: list[int]) -> str:
    """2010-2017, 2019, 2021-2023."""
    spans, start = [], years[0]
    for a, b in zip(years, years[1:] + [None]):
        if b != a + 1:
            spans.append(str(start) if start == a else f"{start}-{a}")
            start = b
    return ", ".join(spans)


def model_by_year(results: pd.DataFrame, series: str, record: pd.DataFrame | None = None) -> pd.Series:
    """A run's monthly outputs summarised by calendar year as the record's ``series`` is (``results``
    needs a ``year`` column and the series' model column), in the record's unit."""
    df = read_record() if record is None else record
    rows = df[df["series"] == series]
    if rows.empty:
        raise KeyError(f"no series {series!r} in the record")
    column, how, factor = rows["model_column"].iloc[0], rows["aggregate"].iloc[0], rows["model_factor"].iloc[0]
    if not column:
        raise KeyError(f"the record's {series!r} has no model column")
    by_year = results.groupby("year")[column]
    summary = {"sum": by_year.sum, "last": by_year.last, "mean": by_year.mean}[how]()
    return summary * (1.0 if math.isnan(factor) else factor)

"""Small helpers to build ECharts options (plain JSON-able dicts) for the live views.

The live views are drawn in the browser by ECharts (solara.FigureEcharts; the
library is served offline by solara-assets), so a redraw costs the server only the
building of these dicts, a few milliseconds, not a matplotlib rendering.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")
STATUS_QUO_GREY = "#555555"

#: divisor, word for the panel's unit ("people" -> "thousand people")
SCALES = ((1e9, "billion"), (1e6, "million"), (1e3, "thousand"))


def rounded(values: Sequence[float] | np.ndarray, digits: int = 4) -> list[float | None]:
    """Values rounded to ``digits`` significant digits (smaller JSON, readable tooltips); NaN -> None."""
    out: list[float | None] = []
    for v in np.asarray(values, dtype=float).ravel():
        if not math.isfinite(v):
            out.append(None)
        elif v == 0:
            out.append(0.0)
        else:
            out.append(float(f"{v:.{digits}g}"))
    return out


def scale_for(max_abs: float, unit: str) -> tuple[float, str]:
    """A divisor and the scaled unit: 12,300,000 people -> (1e6, 'million people')."""
    if unit in ("fraction", "USD per pure gram", "USD per pure kg"):
        return 1.0, unit
    for div, word in SCALES:
        if max_abs >= 10 * div:
            return div, f"{word} {unit}"
    return 1.0, unit


def line_option(title: str, months: Sequence[int], lines: list[dict[str, Any]], *, y_name: str = "",
                log: bool = False, legend: bool = True, x_name: str = "month of the policy",
                zero_line: bool = False) -> dict[str, Any]:
    """A line chart on a category axis of months.

    ``lines``: dicts with ``name``, ``data`` (one value a month), optional ``color``, ``dashed``,
    ``band`` = (low, high) arrays (drawn as a shaded area, left out of the tooltip), ``width``.
    """
    series: list[dict[str, Any]] = []
    for i, ln in enumerate(lines):
        color = ln.get("color") or PALETTE[i % len(PALETTE)]
        band = ln.get("band")
        if band is not None and not log:
            lo, hi = np.asarray(band[0], dtype=float), np.asarray(band[1], dtype=float)
            stack = f"band{i}"
            common = {"type": "line", "stack": stack, "stackStrategy": "all", "symbol": "none", "silent": True,
                      "tooltip": {"show": False}, "lineStyle": {"opacity": 0}, "legendHoverLink": False}
            series.append({**common, "name": f"_{ln['name']} low", "data": rounded(lo)})
            series.append({**common, "name": f"_{ln['name']} band", "data": rounded(hi - lo),
                           "areaStyle": {"color": color, "opacity": ln.get("band_opacity", 0.18)}})
        series.append({
            "type": "line", "name": ln["name"], "data": rounded(ln["data"]), "symbol": "none",
            "lineStyle": {"color": color, "width": ln.get("width", 2),
                          "type": "dashed" if ln.get("dashed") else "solid"},
            "itemStyle": {"color": color},
        })
    names = [ln["name"] for ln in lines]
    option: dict[str, Any] = {
        "animation": False,
        "title": {"text": title, "left": "center",
                  "textStyle": {"fontSize": 13, "fontWeight": "normal", "lineHeight": 17}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 62, "right": 14, "top": 58 if legend else 34, "bottom": 38},
        "xAxis": {"type": "category", "data": [int(m) for m in months], "name": x_name, "nameLocation": "middle",
                  "nameGap": 24, "boundaryGap": False, "axisLabel": {"fontSize": 10}},
        "yAxis": {"type": "log" if log else "value", "scale": not zero_line, "name": y_name,
                  "nameTextStyle": {"fontSize": 10, "align": "left"}, "axisLabel": {"fontSize": 10},
                  "splitLine": {"lineStyle": {"color": "#eee"}}},
        "series": series,
    }
    if legend:
        option["legend"] = {"data": names, "top": 24, "textStyle": {"fontSize": 10}, "itemHeight": 8,
                            "type": "scroll"}
    if zero_line and series:
        series[-1]["markLine"] = {"silent": True, "symbol": "none", "label": {"show": False},
                                  "lineStyle": {"color": "#000", "type": "solid", "width": 1},
                                  "data": [{"yAxis": 0}]}
    return option


def message_option(text: str) -> dict[str, Any]:
    """An empty chart that says why it is empty."""
    return {"animation": False, "title": {"text": text, "left": "center", "top": "middle",
                                          "textStyle": {"fontSize": 13, "fontWeight": "normal", "color": "#666"}},
            "series": []}

"""The map of the world network: countries coloured by cultivation or use, routes by flow, seizures marked.

Countries sit at approximate longitude and latitude (regions at a representative
point); a world file with other countries places the unknown ones on a circle in
the southern Pacific. No coastlines ship with the app: the map is the network drawn
where its countries are. Drawn by ECharts in the browser (see viz/echarts.py).
"""

from __future__ import annotations

import math
from typing import Any

#: (longitude, latitude) of the shipped world's countries and regions
POSITIONS: dict[str, tuple[float, float]] = {
    "colombia": (-74.0, 4.5),
    "peru": (-75.5, -10.0),
    "bolivia": (-64.5, -17.0),
    "ecuador_pacific": (-88.0, -3.0),
    "central_america": (-88.0, 14.5),
    "caribbean": (-70.0, 19.0),
    "mexico": (-103.0, 23.5),
    "united_states": (-98.0, 39.0),
    "canada": (-100.0, 57.0),
    "europe": (10.0, 50.0),
    "west_africa": (-3.0, 10.0),
    "turkey_balkans": (32.0, 40.5),
    "afghanistan": (66.0, 34.0),
    "myanmar": (96.0, 21.5),
    "india": (79.0, 19.0),
    "china": (108.0, 34.0),
    "rest_of_world": (125.0, -25.0),
}

COLOR_BY = ("cultivation", "use")
COLOR_LABEL = {"cultivation": "coca and poppy cultivation (ha)", "use": "people with a substance use disorder"}
COLOR_UNIT = {"cultivation": "ha", "use": "people"}
RAMP = {"cultivation": ((255, 237, 160), (189, 0, 38)), "use": ((231, 225, 239), (145, 0, 63))}


def positions(countries) -> dict[str, tuple[float, float]]:
    pos = {c: POSITIONS[c] for c in countries if c in POSITIONS}
    others = [c for c in countries if c not in POSITIONS]
    for i, c in enumerate(others):
        a = 2 * math.pi * i / max(1, len(others))
        pos[c] = (-140.0 + 20 * math.cos(a), -30.0 + 15 * math.sin(a))
    return pos


def label(c: str) -> str:
    return c.replace("_", " ").title().replace(" Of ", " of ")


def short(x: float) -> str:
    a = abs(x)
    for div, s in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{x / div:.3g}{s}"
    return f"{x:.3g}"


def _ramp(kind: str, f: float) -> str:
    (r0, g0, b0), (r1, g1, b1) = RAMP[kind]
    f = min(max(f, 0.0), 1.0)
    return "#%02x%02x%02x" % (round(r0 + f * (r1 - r0)), round(g0 + f * (g1 - g0)), round(b0 + f * (b1 - b0)))


def map_option(state: dict[str, Any], *, color_by: str = "cultivation", month: int = 0) -> dict[str, Any]:
    """The ECharts option of the network in ``state`` (viz.state.map_state) for one month."""
    if color_by not in COLOR_BY:
        color_by = "cultivation"
    countries = list(state.get("countries", []))
    pos = positions(countries)
    values = state.get(color_by, {})
    vmax = max(list(values.values()) + [1e-9])
    unit = COLOR_UNIT[color_by]
    nodes = []
    for c in countries:
        x, y = pos[c]
        v = values.get(c)
        text = label(c) + (f"\n{short(v)} {unit}" if v is not None else "")
        nodes.append({
            "name": label(c), "value": [x, y],
            "symbolSize": 16 + (10 * (v / vmax) ** 0.5 if v is not None else 0),
            "itemStyle": {"color": _ramp(color_by, v / vmax) if v is not None else "#d9d9d9",
                          "borderColor": "#444", "borderWidth": 1},
            "label": {"show": True, "position": "bottom", "distance": 6, "formatter": text, "fontSize": 10,
                      "lineHeight": 12},
            "tooltip": {"formatter": f"{label(c)}: " + (f"{v:,.0f} {unit}" if v is not None else
                                                          "no " + ("cultivation" if color_by == "cultivation"
                                                                   else "user agents"))},
        })
    flows = state.get("flows", {})
    edges = [e for e in state.get("edges", []) if e[0] in pos and e[1] in pos]
    fmax = max([flows.get(e, 0.0) for e in edges] + [1e-9])
    links = []
    for a, b in edges:
        kg = flows.get((a, b), 0.0)
        links.append({
            "source": label(a), "target": label(b),
            "lineStyle": {"width": 0.8 + 9.0 * kg / fmax, "color": "#3b7dd8" if kg > 0 else "#cccccc",
                          "opacity": 0.65, "curveness": 0.12},
            "tooltip": {"formatter": f"{label(a)} to {label(b)}: {kg:,.0f} kg pure this month"},
        })
    seized = {c: kg for c, kg in state.get("seized", {}).items() if kg > 0 and c in pos}
    smax = max(list(seized.values()) + [1e-9])
    seizures = [{"name": label(c), "value": [pos[c][0] + 4.0, pos[c][1] + 4.0, kg],
                 "symbolSize": 9 + 22 * (kg / smax) ** 0.5,
                 "tooltip": {"formatter": f"{label(c)}: {kg:,.0f} kg pure seized this month"}}
                for c, kg in seized.items()]
    total_seized = sum(seized.values())
    return {
        "animation": False,
        "title": {"text": f"Month {month}: the trafficking network",
                  "subtext": (f"Countries coloured by {COLOR_LABEL[color_by]} (darker = more); route width = kg "
                              f"pure shipped this month (widest {short(fmax)} kg); red triangles = kg seized "
                              f"(total {short(total_seized)} kg pure this month). First seed, the policy on the page."),
                  "left": "center", "textStyle": {"fontSize": 13, "fontWeight": "normal"},
                  "subtextStyle": {"fontSize": 11}},
        "tooltip": {"trigger": "item"},
        "grid": {"left": 10, "right": 10, "top": 60, "bottom": 10},
        "xAxis": {"type": "value", "min": -135, "max": 140, "show": False},
        "yAxis": {"type": "value", "min": -38, "max": 68, "show": False},
        "series": [
            {"type": "graph", "coordinateSystem": "cartesian2d", "data": nodes, "links": links,
             "edgeSymbol": ["none", "arrow"], "edgeSymbolSize": 7, "z": 2,
             "emphasis": {"focus": "adjacency"}},
            {"type": "scatter", "name": "seizures", "data": seizures, "symbol": "triangle", "z": 3,
             "itemStyle": {"color": "#d62728", "opacity": 0.85}},
        ],
    }

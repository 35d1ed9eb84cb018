"""The map of the world network: countries coloured by cultivation or use, routes by flow, seizures marked.

Countries are placed at approximate longitude and latitude (regions at a
representative point); a world file with other countries places the unknown ones
on a circle. There is no coastline (no map data ships with the app): the map is
the network drawn where its countries are.
"""

from __future__ import annotations

import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

#: (longitude, latitude) of the shipped world's countries and regions
POSITIONS: dict[str, tuple[float, float]] = {
    "colombia": (-74.0, 4.5),
    "peru": (-75.5, -10.0),
    "bolivia": (-64.5, -17.0),
    "ecuador_pacific": (-84.0, -2.0),
    "central_america": (-87.0, 14.5),
    "caribbean": (-71.0, 19.0),
    "mexico": (-102.0, 23.5),
    "united_states": (-98.0, 39.0),
    "canada": (-100.0, 56.0),
    "europe": (10.0, 50.0),
    "west_africa": (-3.0, 10.0),
    "turkey_balkans": (30.0, 40.5),
    "afghanistan": (66.0, 34.0),
    "myanmar": (96.0, 21.5),
    "india": (79.0, 21.0),
    "china": (108.0, 33.0),
    "rest_of_world": (120.0, -25.0),
}

COLOR_BY = ("cultivation", "use")
COLOR_LABEL = {"cultivation": "coca and poppy cultivation (ha)", "use": "people with a substance use disorder"}


def positions(countries) -> dict[str, tuple[float, float]]:
    pos = {c: POSITIONS[c] for c in countries if c in POSITIONS}
    others = [c for c in countries if c not in POSITIONS]
    for i, c in enumerate(others):  # unknown countries: on a circle in the southern Pacific
        a = 2 * math.pi * i / max(1, len(others))
        pos[c] = (-140.0 + 20 * math.cos(a), -30.0 + 15 * math.sin(a))
    return pos


def _label(c: str) -> str:
    return c.replace("_", " ").title()


def _fmt(x: float) -> str:
    a = abs(x)
    for div, s in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{x / div:.3g}{s}"
    return f"{x:.3g}"


def map_figure(state: dict, *, color_by: str = "cultivation", month: int = 0, width: float = 11.0,
               dpi: int = 72) -> Figure:
    """The network of ``state`` (viz.state._map_state) for one month."""
    if color_by not in COLOR_BY:
        color_by = "cultivation"
    fig = Figure(figsize=(width, width * 0.47), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    countries = state.get("countries", [])
    pos = positions(countries)
    # graticule
    for lat in range(-30, 61, 30):
        ax.axhline(lat, color="0.9", lw=0.6, zorder=0)
    for lon in range(-120, 121, 60):
        ax.axvline(lon, color="0.9", lw=0.6, zorder=0)
    # routes, width by flow
    flows = state.get("flows", {})
    edges = [e for e in state.get("edges", []) if e[0] in pos and e[1] in pos]
    fmax = max([flows.get(e, 0.0) for e in edges] + [1e-9])
    segs = [(pos[a], pos[b]) for a, b in edges]
    widths = [0.6 + 7.0 * flows.get(e, 0.0) / fmax for e in edges]
    colors = ["tab:blue" if flows.get(e, 0.0) > 0 else "0.8" for e in edges]
    ax.add_collection(LineCollection(segs, linewidths=widths, colors=colors, alpha=0.55, zorder=1,
                                     capstyle="round"))
    for (a, b), w in zip(edges, widths):  # direction: a small arrow head at two thirds of each route
        if flows.get((a, b), 0.0) <= 0:
            continue
        (x0, y0), (x1, y1) = pos[a], pos[b]
        xm, ym = x0 + 0.62 * (x1 - x0), y0 + 0.62 * (y1 - y0)
        ax.annotate("", xy=(xm + 0.01 * (x1 - x0), ym + 0.01 * (y1 - y0)), xytext=(xm, ym),
                    arrowprops=dict(arrowstyle="-|>", color="tab:blue", alpha=0.7, lw=0,
                                    mutation_scale=8 + w), zorder=2)
    # countries, colour by cultivation or use
    values = state.get(color_by, {})
    vmax = max(list(values.values()) + [1e-9])
    from matplotlib import colormaps

    cmap = colormaps["YlOrRd" if color_by == "cultivation" else "PuRd"]
    xs, ys, cs = [], [], []
    for c in countries:
        x, y = pos[c]
        xs.append(x)
        ys.append(y)
        cs.append(cmap(0.15 + 0.85 * values[c] / vmax) if c in values else (0.85, 0.85, 0.85, 1.0))
    ax.scatter(xs, ys, s=260, c=cs, edgecolors="0.3", linewidths=0.8, zorder=3)
    for c, x, y in zip(countries, xs, ys):
        text = _label(c)
        if c in values:
            text += f"\n{_fmt(values[c])} {'ha' if color_by == 'cultivation' else 'people'}"
        ax.annotate(text, (x, y), xytext=(0, -13), textcoords="offset points", ha="center", va="top",
                    fontsize=7.5, zorder=5)
    # seizures: red crosses sized by kg seized that month
    seized = state.get("seized", {})
    smax = max(list(seized.values()) + [1e-9])
    sx = [pos[c][0] for c, kg in seized.items() if kg > 0 and c in pos]
    sy = [pos[c][1] for c, kg in seized.items() if kg > 0 and c in pos]
    ss = [30 + 250 * kg / smax for c, kg in seized.items() if kg > 0 and c in pos]
    if sx:
        ax.scatter(sx, sy, s=ss, marker="X", c="crimson", alpha=0.8, zorder=4, linewidths=0)
    ax.set_xlim(-135, 135)
    ax.set_ylim(-35, 68)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    total_flow = sum(flows.get(e, 0.0) for e in edges)
    total_seized = sum(seized.values())
    ax.set_title(f"Month {month}: countries coloured by {COLOR_LABEL[color_by]}; route width = kg pure "
                 f"shipped that month (largest {_fmt(fmax)} kg); red crosses = kg seized "
                 f"(total {_fmt(total_seized)} kg)", fontsize=9)
    ax.text(0.01, 0.01, f"all routes: {_fmt(total_flow)} kg-legs a month, all drugs", transform=ax.transAxes,
            fontsize=7, color="0.4")
    return fig


def figure_png(fig: Figure) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()



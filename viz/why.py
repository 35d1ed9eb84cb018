"""Why an outcome moved: the main channel of the change, read from the model's own output columns.

The rule, in one place. Each outcome is a node of a small graph of output columns
(:data:`NODES`). A node is linked to what makes it up or moves it in the model:

- ``parts``: columns that add up to the node (overdose deaths = opioid + cocaine +
  methamphetamine overdose deaths; hectares = the growing countries' hectares;
  people using = the users of each drug). The change of the node is exactly the sum
  of the changes of its parts, so the part with the largest change in the same
  direction is the main part.
- ``drivers``: columns that move the node in the model's mechanisms, with the sign
  of their effect (+1: more of the driver, more of the node; -1: less). The main
  driver is the one whose relative change is largest among those whose change
  explains the node's (sign x direction of the driver's change = direction of the
  node's change), if it moved by at least :data:`MIN_CHANGE`.

:func:`explain` starts at an outcome and follows the main part or driver at each
node until no link qualifies: "overdose deaths fell, mostly opioid overdose deaths,
with the fentanyl share (-40%), with fentanyl production (-60%), with precursor
diversion (-70%)". A change is the policy run minus the status quo run with the same
seeds, of each column's mean over the seeds and the months so far (or the latest month, for
an outcome the page shows at its latest month). This is a reading
of the model's bookkeeping along its causal links, not a formal attribution: where
two drivers both moved, only the larger is named.

``levers`` names the levers that act on a node directly (model/policy.py); the page
uses them to say which L-graded parameters a chain rests on (viz/lever_docs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.columns import is_country_cultivation

#: the smallest relative change of a driver that counts as a channel
MIN_CHANGE = 0.01
#: at most this many links in one explanation
MAX_DEPTH = 5
DRUGS = ("opioid", "cocaine", "methamphetamine")
#: growing countries' crops, for their farm-gate price driver
CROP_DRUG = {"colombia": "cocaine", "peru": "cocaine", "bolivia": "cocaine", "afghanistan": "heroin",
             "myanmar": "heroin", "mexico": "heroin"}


@dataclass(frozen=True)
class Node:
    label: str
    columns: tuple[str, ...]                       # summed; a name ending in '*' is a prefix
    parts: tuple[str, ...] = ()                    # nodes that add up to this one
    drivers: tuple[tuple[str, int], ...] = ()      # (node, sign of its effect)
    levers: tuple[str, ...] = ()                   # levers acting on this node directly


NODES: dict[str, Node] = {
    # overdose deaths
    "overdose_deaths": Node("overdose deaths", ("overdose_deaths",),
                            parts=tuple(f"overdose_deaths_{d}" for d in DRUGS)),
    "overdose_deaths_opioid": Node("opioid overdose deaths", ("overdose_deaths_opioid",), drivers=(
        ("fentanyl_share", +1), ("retail_purity_fentanyl", +1), ("users_dependent_opioid", +1),
        ("overdoses_reversed", -1))),
    "overdose_deaths_cocaine": Node("cocaine overdose deaths", ("overdose_deaths_cocaine",), drivers=(
        ("users_dependent_cocaine", +1), ("retail_purity_cocaine", +1))),
    "overdose_deaths_methamphetamine": Node("methamphetamine overdose deaths", ("overdose_deaths_methamphetamine",),
                                            drivers=(("users_dependent_methamphetamine", +1),
                                                     ("retail_purity_methamphetamine", +1))),
    "overdoses_reversed": Node("overdoses reversed with naloxone", ("overdoses_reversed",),
                               levers=("harm_reduction",)),
    # the opioid supply
    "fentanyl_share": Node("the fentanyl share of the opioid supply", ("fentanyl_share",), drivers=(
        ("production_kg_fentanyl", +1), ("production_kg_heroin", -1))),
    "retail_purity_fentanyl": Node("fentanyl's retail purity", ("retail_purity_fentanyl",), drivers=(
        ("production_kg_fentanyl", +1), ("seized_kg_fentanyl", -1))),
    "production_kg_fentanyl": Node("fentanyl production", ("production_kg_fentanyl",), drivers=(
        ("precursor_diverted_kg", +1), ("precursor_seized_kg", -1))),
    "precursor_diverted_kg": Node("precursor supply (diverted chemicals)", ("precursor_diverted_kg_*",),
                                  levers=("precursor_scheduling", "precursor_control")),
    "precursor_seized_kg": Node("precursors seized", ("precursor_seized_kg",), levers=("precursor_control",)),
    "seized_kg_fentanyl": Node("fentanyl seized", ("seized_kg_fentanyl",),
                               levers=("interdiction", "domestic_enforcement")),
    "production_kg_heroin": Node("heroin production", ("production_kg_heroin",), drivers=(
        ("cultivation_ha_poppy", +1),)),
    "cultivation_ha_poppy": Node("poppy cultivation", ("cultivation_ha_poppy",), drivers=(
        ("eradicated_ha", -1), ("ad_enrolled_households", -1))),
    # people using and dependent
    "people_using": Node("people using drugs", ("people_using",), parts=tuple(f"users_{d}" for d in DRUGS)),
    **{f"users_{d}": Node(f"people using {d}s" if d == "opioid" else f"people using {d}",
                          (f"users_dependent_{d}", f"users_occasional_{d}"),
                          parts=(f"users_dependent_{d}", f"users_occasional_{d}")) for d in DRUGS},
    **{f"users_occasional_{d}": Node(f"occasional users of {d}s" if d == "opioid" else f"occasional users of {d}",
                                     (f"users_occasional_{d}",), drivers=(("initiations", +1),)) for d in DRUGS},
    **{f"users_dependent_{d}": Node(f"people dependent on {d}s" if d == "opioid" else f"people dependent on {d}",
                                    (f"users_dependent_{d}",),
                                    drivers=(("in_treatment", -1), ("initiations", +1))) for d in DRUGS},
    "in_treatment": Node("people in treatment", ("in_treatment",), drivers=(("referrals", +1),),
                         levers=("treatment",)),
    "referrals": Node("referrals to treatment instead of arrest", ("referrals",),
                      levers=("decriminalize_possession",)),
    "initiations": Node("people starting to use", ("initiations",), levers=("prevention",)),
    **{f"retail_purity_{d}": Node(f"{d}'s retail purity", (f"retail_purity_{d}",), drivers=(
        (f"production_kg_{d}", +1), (f"seized_kg_{d}", -1))) for d in ("cocaine", "methamphetamine")},
    "production_kg_cocaine": Node("cocaine production", ("production_kg_cocaine",), drivers=(
        ("cultivation_ha_coca", +1),)),
    "cultivation_ha_coca": Node("coca cultivation", ("cultivation_ha_coca",), drivers=(
        ("eradicated_ha", -1), ("ad_enrolled_households", -1))),
    "production_kg_methamphetamine": Node("methamphetamine production", ("production_kg_methamphetamine",),
                                          drivers=(("precursor_diverted_kg", +1),)),
    **{f"seized_kg_{d}": Node(f"{d} seized", (f"seized_kg_{d}",), levers=("interdiction", "domestic_enforcement"))
       for d in ("cocaine", "methamphetamine")},
    # HIV
    "new_hiv_pwid": Node("new HIV infections among people who inject drugs", ("new_hiv_pwid",), drivers=(
        ("users_dependent_opioid", +1), ("users_dependent_methamphetamine", +1)), levers=("harm_reduction",)),
    # violence
    "violence_deaths": Node("violence deaths", ("violence_deaths",), drivers=(
        ("succession_contests", +1), ("trafficker_revenue_usd", +1))),
    "succession_contests": Node("succession contests in trafficking groups", ("succession_contests",),
                                levers=("leadership_targeting", "financial_targeting", "domestic_enforcement")),
    "trafficker_revenue_usd": Node("traffickers' revenue", ("trafficker_revenue_usd",), drivers=(
        ("assets_seized_usd", -1),)),
    "assets_seized_usd": Node("traffickers' assets seized", ("assets_seized_usd",), levers=("financial_targeting",)),
    # incarceration
    "incarcerated": Node("people incarcerated", ("incarcerated",), drivers=(("arrests", +1),)),
    "arrests": Node("arrests", ("arrests",), drivers=(("referrals", -1),),
                    levers=("domestic_enforcement", "decriminalize_possession")),
    # hectares
    "cultivation_ha": Node("hectares of coca and poppy", ("cultivation_ha_@countries",), parts=("@countries",)),
    "eradicated_ha": Node("hectares eradicated", ("eradicated_ha",),
                          levers=("eradication", "alternative_development_before_eradication")),
    "ad_enrolled_households": Node("households in alternative development", ("ad_enrolled_households",),
                                   levers=("alternative_development", "alternative_development_before_eradication")),
}


def node(name: str, columns: list[str]) -> Node | None:
    """The node ``name``: one of NODES, or a growing country's hectares (``cultivation_ha_<country>``)."""
    if name in NODES:
        return NODES[name]
    if is_country_cultivation(name):
        c = name[len("cultivation_ha_"):]
        drivers = [(f"eradicated_ha_{c}", -1), ("ad_enrolled_households", -1), (f"frontier_entry_ha_{c}", +1)]
        if c in CROP_DRUG:
            drivers.append((f"farmgate_price_{CROP_DRUG[c]}", +1))
        return Node(f"hectares in {c.replace('_', ' ').title()}", (name,), drivers=tuple(drivers))
    if name.startswith(("eradicated_ha_", "frontier_entry_ha_", "farmgate_price_")) and name in columns:
        levers = ("eradication",) if name.startswith("eradicated_ha_") else ()
        what = {"eradicated_ha_": "hectares eradicated", "frontier_entry_ha_": "new fields at the forest frontier",
                "farmgate_price_": "the farm-gate price of"}
        for pre, text in what.items():
            if name.startswith(pre):
                rest = name[len(pre):].replace("_", " ")
                label = f"{text} {rest}" if pre == "farmgate_price_" else f"{text} in {rest.title()}"
                return Node(label, (name,), levers=levers)
    return None


def node_columns(n: Node, columns: list[str]) -> list[str]:
    """The columns a node sums (prefixes expanded; '@countries' = the growing countries' hectares)."""
    out: list[str] = []
    for c in n.columns:
        if c == "cultivation_ha_@countries":
            out += sorted(x for x in columns if is_country_cultivation(x))
        elif c.endswith("*"):
            out += sorted(x for x in columns if x.startswith(c[:-1]))
        elif c in columns:
            out.append(c)
    return out


def _parts(n: Node, columns: list[str]) -> list[str]:
    if n.parts == ("@countries",):
        return sorted(x for x in columns if is_country_cultivation(x))
    return list(n.parts)


def change(snap, name: str, window: int | None = None) -> tuple[float, float] | None:
    """(policy minus status quo, status quo) of a node: its columns summed, the mean over the seeds and over
    the months so far (or the last ``window`` months)."""
    n = node(name, snap.columns)
    if n is None or snap.month < 1:
        return None
    cols = node_columns(n, snap.columns)
    if not cols:
        return None
    start = 0 if window is None else max(0, snap.month - window)
    pol = float(sum(np.nanmean(snap.policy[c][:, start:]) for c in cols))
    sq = float(sum(np.nanmean(snap.status_quo[c][:, start:]) for c in cols))
    return pol - sq, sq


def _rel(d: float, base: float) -> float:
    return d / abs(base) if base else (0.0 if d == 0 else float("inf"))


@dataclass
class Link:
    """One step of an explanation: the node, its change (policy - status quo) and relative change, how it
    is linked to the step before ('part' or 'driver'), and the levers acting on it."""

    name: str
    label: str
    diff: float
    rel: float
    how: str
    levers: tuple[str, ...]


def explain(snap, outcome: str, window: int | None = None) -> list[Link]:
    """The chain of main channels of ``outcome``'s change over the months so far (or the last ``window``)
    (see the module's docstring); [] if it did not move."""
    first = change(snap, outcome, window)
    if first is None or first[0] == 0:
        return []
    n0 = node(outcome, snap.columns)
    chain = [Link(outcome, n0.label, first[0], _rel(*first), "outcome", n0.levers)]
    seen = {outcome}
    while len(chain) <= MAX_DEPTH:
        here = chain[-1]
        n = node(here.name, snap.columns)
        direction = np.sign(here.diff)
        best: tuple[float, Link] | None = None
        for p in _parts(n, snap.columns):
            c = change(snap, p, window)
            if c is None or p in seen or np.sign(c[0]) != direction:
                continue
            score = abs(c[0])  # parts add up: the largest share of the change
            if best is None or score > best[0]:
                pn = node(p, snap.columns)
                best = (score, Link(p, pn.label, c[0], _rel(*c), "part", pn.levers))
        if best is None:
            for d, sign in n.drivers:
                c = change(snap, d, window)
                if c is None or d in seen or np.sign(c[0]) * sign != direction:
                    continue
                r = _rel(*c)
                if abs(r) < MIN_CHANGE:
                    continue
                if best is None or abs(r) > best[0]:
                    dn = node(d, snap.columns)
                    best = (abs(r), Link(d, dn.label, c[0], r, "driver", dn.levers))
        if best is None:
            break
        chain.append(best[1])
        seen.add(best[1].name)
    return chain


def _pct(rel: float) -> str:
    if not np.isfinite(rel):
        return "from zero"
    return f"{rel:+.0%}" if abs(rel) >= 0.01 else f"{rel:+.1%}"


def sentence(chain: list[Link]) -> str:
    """The chain in words: 'Overdose deaths fell: mostly opioid overdose deaths (-30%), because the fentanyl
    share fell (-12%), because fentanyl production fell (-40%).'"""
    if not chain:
        return "No change from the status quo so far."
    head = chain[0]
    verb = "rose" if head.diff > 0 else "fell"
    text = f"{head.label[0].upper()}{head.label[1:]} {verb}"
    if len(chain) == 1:
        return text + ": no single channel in the model's columns moved enough to name."
    bits = []
    for prev, ln in zip(chain, chain[1:]):
        moved = "rose" if ln.diff > 0 else "fell"
        if ln.how == "part":
            bits.append(("of which mostly " if prev.how == "part" else "mostly ") + f"{ln.label} ({_pct(ln.rel)})")
        else:
            bits.append(f"because {ln.label} {moved} ({_pct(ln.rel)})")
    return text + ": " + ", ".join(bits) + "."


def chain_levers(chain: list[Link]) -> list[str]:
    """The levers acting on the nodes of a chain, in chain order."""
    out: list[str] = []
    for ln in chain:
        out += [lv for lv in ln.levers if lv not in out]
    return out


def as_dict(chain: list[Link]) -> list[dict[str, Any]]:
    return [ln.__dict__.copy() for ln in chain]

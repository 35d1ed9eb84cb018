"""Recorded runs the reform section of docs/results.md rests on besides its own seeds.

- ``reform_draws.csv``: the cards against the status quo with parameter draws, so each effect has a chance
  interval (seeds) and a parameter interval (what we do not know); written by ``DRAWS_COMMAND``'s
  ``compare.csv``.
- ``reform_levers.csv``: two cards split by lever (experiments/decompositions/), so each card's effect is
  explained by what it changes; written by ``LEVERS_COMMAND``'s ``compare.csv``, and the variants of
  ``RELEASE_COMMANDS`` for decriminalization's channels.

They are national-scale runs too long for every full-tier reproduction, so they are recorded with their
commands and read back here; ``appendix`` renders them for the reform section.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from experiments.numbers import fmt_number

HERE = Path(__file__).resolve().parent
DRAWS = HERE / "reform_draws.csv"
LEVERS = HERE / "reform_levers.csv"
OUTCOMES = ("overdose_deaths", "new_hiv_pwid", "violence_deaths", "people_with_sud", "incarcerated")
_S, _D = "experiments/scenarios", "experiments/decompositions"
_NATIONAL = "--preset national --months 120"
DRAWS_COMMAND = (f"drugmarket compare {_S}/status_quo.toml {_S}/alternative_development_tripled.toml "
                 f"{_S}/combined_package.toml {_S}/harm_reduction_500m.toml {_S}/portugal_decriminalization.toml "
                 f"{_S}/precursor_regime.toml {_S}/rebalance_40_60.toml --draws 20 --seeds 2 {_NATIONAL}")
LEVERS_COMMAND = (f"drugmarket compare {_S}/status_quo.toml {_S}/portugal_decriminalization.toml "
                  f"{_D}/decriminalize_only.toml {_D}/enforcement_cut_only.toml {_D}/treatment_portugal_only.toml "
                  f"{_S}/rebalance_40_60.toml {_D}/treatment_40_60_only.toml {_D}/harm_reduction_40_60_only.toml "
                  f"{_D}/prevention_40_60_only.toml {_D}/supply_40_60_only.toml --seeds 5 {_NATIONAL}")
#: decriminalization alone under other assumptions about prison (the policy file is decriminalize_only)
RELEASE_COMMANDS = {
    "decriminalize_only, release x12.7": "--set user.post_release_drd_rr_week1_2=20.8 (the month after release "
                                         "at 12.7 times a dependent user's overdose hazard, as in version 0.1.0, "
                                         "not 4.1)",
    "decriminalize_only, release x12.7, no overdose in prison": "the same and "
                                                                "--set user.prison_overdose_deaths_per_100k=0",
}


def _n(x: float) -> str:
    return fmt_number(float(x), 3)


def draws_table(df: pd.DataFrame) -> list[str]:
    """Effect (positive = fewer, i.e. averted), its chance and parameter intervals, and the draws' signs."""
    lines = ["| card | outcome averted | mean | chance (seeds) | parameters (draws) | draws lower / raise it |",
             "|---|---|---|---|---|---|"]
    for (pol, out), r in df.set_index(["policy", "outcome"]).iterrows():
        if out not in OUTCOMES:
            continue
        lines.append(f"| {pol} | {r['label']} | {_n(r['mean'])} | {_n(r['chance_low'])} to {_n(r['chance_high'])} "
                     f"| {_n(r['param_low'])} to {_n(r['param_high'])} "
                     f"| {int(r['draws_positive'])} / {int(r['draws_negative'])} |")
    return lines


def levers_table(df: pd.DataFrame) -> list[str]:
    """Each scenario's effect (positive = fewer) with its 95% interval over seeds, outcomes as columns."""
    labels = [df.loc[df.outcome == o, "label"].iloc[0] for o in OUTCOMES]
    lines = ["| scenario | " + " | ".join(labels) + " |", "|---" * (len(OUTCOMES) + 1) + "|"]
    for pol in df.policy.unique():
        cells = []
        for o in OUTCOMES:
            r = df[(df.policy == pol) & (df.outcome == o)].iloc[0]
            cells.append(f"{_n(r['mean'])} ({_n(r['low'])} to {_n(r['high'])})")
        lines.append(f"| {pol} | " + " | ".join(cells) + " |")
    return lines


def appendix() -> str:
    """The recorded tables as Markdown ('' when none is recorded)."""
    lines = []
    if DRAWS.exists():
        df = pd.read_csv(DRAWS)
        used = int(df["n_draws"].max())
        lines += ["", "### With what we do not know: parameter draws", "",
                  f"`{DRAWS_COMMAND}`: draws of the parameters graded M and L, each from its grade's prior "
                  "(docs/ODD.md section 13.1), crossed with 2 seeds, every card on the same draw and seed as the "
                  f"status quo; {used} of the 20 draws are used (a draw whose world cannot reproduce 2021 is left "
                  "out, as `compare` does, and named in its output). Positive = fewer. The chance interval is the "
                  "seeds' alone; the parameter interval is 5-95% of the draws' effects; the last column counts the "
                  "draws in which the card lowers or raises the outcome.", ""]
        lines += draws_table(df)
    if LEVERS.exists():
        df = pd.read_csv(LEVERS)
        lines += ["", "### Where two cards' effects come from: one lever at a time", "",
                  f"`{LEVERS_COMMAND}` (each experiments/decompositions/ file changes one lever of its card and "
                  "nothing else). Positive = fewer; 95% intervals over 5 seeds. Decriminalization's channels: "
                  + "; ".join(f"`{k}`: {v}" for k, v in RELEASE_COMMANDS.items()) + ".", ""]
        lines += levers_table(df)
    return "\n".join(lines)

"""The question the policy documents ask: does the reform package cut deaths, HIV and violence without raising use?

Source: International Drug Policy: Solutions (undated; docs/references.md). The model does not assume
the answer. Every shipped proposal scenario (experiments/scenarios/*.toml other than the status quo)
is run against the status quo on the same seeds for 120 months. Statistics, policy minus status quo
(negative = fewer): overdose deaths, new HIV among people who inject, violence deaths (sums over the
horizon), people with a substance use disorder, people using (occasional + dependent), coca and poppy
hectares (means over the last 12 months), and spending (USD over the horizon).
This experiment reports; it has no band and no verdict. The global sensitivity analysis of its result
is run with `drugmarket sweep experiments/sweeps/reform_sensitivity.toml` (docs/reform-sensitivity.md).
"""

from __future__ import annotations

from pathlib import Path

from experiments.published.base import Experiment, paired, scenario
from experiments.published.reform_tables import appendix
from model.scenario import load_scenario

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
OUTCOMES = {
    "overdose_deaths": ("sum", "people"), "new_hiv_pwid": ("sum", "people"), "violence_deaths": ("sum", "people"),
    "people_with_sud": ("last12", "people"), "people_using": ("last12", "people"),
    "cultivation_ha": ("last12", "ha"), "spend_usd": ("sum", "USD"),
}


def proposals() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml") if p.stem != "status_quo")


def scenarios(tier):
    out = {"status_quo": scenario("status-quo", tier, 120)}
    for name in proposals():
        sc = load_scenario(SCENARIO_DIR / f"{name}.toml", [f'preset="{tier.preset}"', "months=120"])
        out[name] = sc
    return out


def _value(df, outcome):
    how, _ = OUTCOMES[outcome]
    if outcome == "cultivation_ha":
        series = df["cultivation_ha_coca"] + df["cultivation_ha_poppy"]
    elif outcome == "spend_usd":
        series = df[[c for c in df.columns if c.startswith("spend_usd_")]].sum(axis=1)
    else:
        series = df[outcome]
    return series.sum() if how == "sum" else series.iloc[-12:].mean()


def statistic(r):
    out = {}
    for name in r:
        if name == "status_quo":
            continue
        for o in OUTCOMES:
            out[f"{name}:{o}"] = paired(r[name], r["status_quo"], lambda a, b, o=o: _value(a, o) - _value(b, o))
    return out


def check(s):
    lines = []
    for name in sorted({k.split(":")[0] for k in s}):
        d, h, v, u = (s[f"{name}:{o}"] for o in ("overdose_deaths", "new_hiv_pwid", "violence_deaths", "people_using"))
        def word(x):
            lo, hi = x.ci
            return "fewer" if hi < 0 else ("more" if lo > 0 else "no clear change in")
        lines.append(f"{name}: {word(d)} overdose deaths ({d.mean:+,.0f}), {word(h)} HIV ({h.mean:+,.0f}), "
                     f"{word(v)} violence deaths ({v.mean:+,.0f}), {word(u)} people using ({u.mean:+,.0f})")
    return None, "; ".join(lines) if lines else "no proposal scenarios found in experiments/scenarios/"


EXPERIMENT = Experiment(
    name="reform", title="The reform package of International Drug Policy: Solutions",
    finding="International Drug Policy: Solutions claims that rebalancing to 40/60, tripled alternative development and $500M of harm reduction "
            "cut overdose deaths, HIV and violence without raising use.",
    band="reported, whichever way it comes out (no band)", source="International Drug Policy: Solutions (undated)",
    scenarios=scenarios, statistic=statistic, check=check, main_stat="",
    notes="How much the combined package's effect depends on the model's uncertain assumptions (a Morris "
          "screening, experiments/sweeps/reform_sensitivity.toml) is in docs/reform-sensitivity.md.",
    appendix=appendix,
    preset={"fast": "workshop", "full": "national"})

"""Pieces of the fake simulate functions that the runner, sweep and command-line tests use instead of the
model: cheap, deterministic in (scenario, seed), with noise that depends on the seed only (common random
numbers), as the model's is."""

from __future__ import annotations

import numpy as np
import pandas as pd


def budget(d: dict, program: str) -> float:
    """A programme's budget in a scenario dict, USD a year (a per-country table summed)."""
    b = d["policy"]["budget"].get(program, 0.0)
    return float(sum(b.values())) if isinstance(b, dict) else float(b)


def seed_noise(rng: np.random.Generator, m: int, fentanyl_share: float) -> dict:
    """Outcome columns that depend on the seed only, drawn in this order after the caller's own."""
    return {
        "new_hiv_pwid": 300.0 + rng.normal(0, 5, m),
        "violence_deaths": 1500.0 + rng.normal(0, 20, m),
        "fentanyl_share": fentanyl_share + rng.normal(0, 0.01, m),
        "retail_price_heroin": 150 + rng.normal(0, 2, m),
        "retail_price_cocaine": 120 + rng.normal(0, 2, m),
        "cultivation_ha_colombia": 2.0e5 + rng.normal(0, 100, m),
        "cultivation_ha_peru": 8.0e4 + rng.normal(0, 50, m),
        "seized_kg_cocaine": 1.0e5 + rng.normal(0, 100, m),
    }


def frame(d: dict, seed: int, columns: dict, programs) -> pd.DataFrame:
    """One row a month: the run's keys, ``columns`` and the spending of ``programs``."""
    m = int(d["months"])
    df = pd.DataFrame({"scenario": d["name"], "seed": seed, "month": np.arange(1, m + 1), **columns})
    for p in programs:
        df[f"spend_usd_{p}"] = budget(d, p) / 12.0
    return df


def refused_run(tmp_path, capsys, scenario_text: str) -> str:
    """``drugmarket run`` of a scenario file with ``scenario_text``: it must exit 2 with no traceback.
    Returns what it printed on stderr (which should name the key at fault)."""
    from experiments.cli import main

    path = tmp_path / "s.toml"
    path.write_text(scenario_text, encoding="utf-8")
    code = main(["run", str(path), "--seeds", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err

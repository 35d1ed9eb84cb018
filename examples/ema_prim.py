"""Scenario discovery on the drug-market model with the EMA Workbench: PRIM and feature scoring.

Which combinations of budgets and uncertain parameters keep overdose deaths low? The
model runs through the adapter of experiments/ema.py: five budget levers and the
decriminalization switch are sampled as ema "policies", two uncertain parameters of
model/params.py (ranges from the parameter registry) as ema "scenarios"; every
experiment runs with the same seeds (common random numbers). Then

- PRIM finds a box of levers and parameters where overdose deaths are in the lowest
  quarter of all experiments (the box of highest coverage with density >= 0.8);
- extra-trees feature scoring ranks the inputs for every outcome.

Run from the repository root (needs ``pip install ema_workbench``)::

    python examples/ema_prim.py --workers 2     # workshop scale: 16 policies x 4 scenarios, 36 months (~3 min)
    python examples/ema_prim.py --quick         # tiny scale: a smoke test (~30 s)
    python examples/ema_prim.py --out results/ema-prim   # also write experiments, outcomes, box and scores as CSV

Outcomes (experiments.ema.OUTCOMES) are totals or monthly means over the horizon, in
people, deaths, hectares and US dollars; the printed box limits are in the levers'
units (US dollars a year for budgets).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere in a checkout

from experiments.ema import lever_keys, make_model, prim_inputs, select_box  # noqa: E402

LEVERS = {
    "policy.budget.interdiction": (1.0e9, 3.0e9),            # USD a year; status quo 2.75e9
    "policy.budget.eradication": (0.0, 6.0e8),               # status quo 4.5e8
    "policy.budget.alternative_development": (2.0e8, 1.2e9), # status quo 3.5e8
    "policy.budget.treatment": (2.0e8, 2.0e9),               # status quo 4.5e8
    "policy.budget.harm_reduction": (5.0e7, 1.0e9),          # status quo 1.0e8
    "policy.decriminalize_possession": None,                 # true / false
}
UNCERTAINTIES = [
    "user.naloxone_reversal_probability",   # ranges from model/params.py
    "user.fentanyl_overdose_weight",
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny scale, few experiments (a smoke test)")
    ap.add_argument("--policies", type=int, default=None, help="lever samples (default 16; --quick 8)")
    ap.add_argument("--scenarios", type=int, default=None, help="parameter samples (default 4; --quick 2)")
    ap.add_argument("--seeds", type=int, default=1, help="seeds per experiment (common random numbers)")
    ap.add_argument("--workers", type=int, default=0, help="processes (0: sequential in this process)")
    ap.add_argument("--sample-seed", type=int, default=1, help="seed of the Latin hypercube samplers")
    ap.add_argument("--out", default=None, help="directory for CSV files of the results")
    args = ap.parse_args(argv)

    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, perform_experiments
    from ema_workbench.analysis import feature_scoring, prim

    preset, months = ("tiny", 12) if args.quick else ("workshop", 36)
    n_pol = args.policies or (8 if args.quick else 16)
    n_scen = args.scenarios or (2 if args.quick else 4)
    model = make_model(levers=LEVERS, uncertainties=UNCERTAINTIES, base="status_quo",
                       months=months, preset=preset, seeds=tuple(range(1, args.seeds + 1)))
    keys = lever_keys(model)
    print(f"{n_pol} policies x {n_scen} scenarios = {n_pol * n_scen} experiments, "
          f"preset {preset}, {months} months, seeds 1..{args.seeds}")
    t0 = time.perf_counter()
    evaluator = MultiprocessingEvaluator(model, n_processes=args.workers) if args.workers > 1 else SequentialEvaluator(model)
    with evaluator:
        # seeded Latin hypercubes: the same command gives the same design
        experiments, outcomes = perform_experiments(
            model, scenarios=n_scen, policies=n_pol, evaluator=evaluator,
            uncertainty_sampling_kwargs={"rng": args.sample_seed}, lever_sampling_kwargs={"rng": args.sample_seed + 1})
    print(f"ran in {time.perf_counter() - t0:.0f} s")

    # PRIM: where are overdose deaths in the lowest quarter?
    x = prim_inputs(experiments)  # bookkeeping columns dropped, numbers as float (pandas-3 PRIM crash)
    deaths = outcomes["overdose_deaths"]
    cut = float(np.percentile(deaths, 25))
    y = deaths <= cut
    print(f"\ncases of interest: overdose deaths <= {cut:,.0f} over {months} months "
          f"({int(y.sum())} of {len(y)} experiments)")
    box = select_box(prim.Prim(x, y, peel_alpha=0.1).find_box(), min_density=0.8)
    stats = box.stats
    print(f"PRIM box: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, "
          f"mass {stats['mass']:.2f}, {stats['res_dim']} restricted dimensions")
    lims = box.box_lim
    full = prim.Prim(x, y).box_init  # the limits of the whole sample, to show which are restricted
    rows = []
    for name in lims.columns:
        if not lims[name].equals(full[name]):
            lo, hi = lims[name].iloc[0], lims[name].iloc[1]
            rows.append({"input": keys.get(name, name), "low": lo, "high": hi})
    box_table = pd.DataFrame(rows)
    print(box_table.to_string(index=False) if len(box_table) else "(no restriction found)")

    # feature scoring: which inputs matter for each outcome?
    scores = feature_scoring.get_feature_scores_all(x, outcomes)
    scores.index = [keys.get(i, i) for i in scores.index]
    print("\nextra-trees feature scores (share of importance; columns are outcomes):")
    print(scores.round(3).to_string())

    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        experiments.to_csv(out / "experiments.csv", index=False)
        pd.DataFrame(outcomes).to_csv(out / "outcomes.csv", index=False)
        box_table.to_csv(out / "prim_box.csv", index=False)
        box.peeling_trajectory.to_csv(out / "prim_trajectory.csv", index=False)
        scores.to_csv(out / "feature_scores.csv")
        print(f"\nwritten to {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

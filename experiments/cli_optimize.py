"""``drugmarket optimize CONFIG``: the budget optimiser on the command line (experiments/optimize.py)."""

from __future__ import annotations

import argparse

from .cli_commands import _out_dir, _run_options, _simulate, l_grade_note
from .first_run import announce_compile
from .numbers import fmt_number, fmt_usd


def add_optimize_parser(sub) -> None:
    from .cli_parser import _positive_int

    p = sub.add_parser("optimize", help="search budget allocations for the best one (Optuna)",
                       description="Search the budgets of an optimisation file (see "
                                   "experiments/optimizations/example.toml) for the allocation that minimises its "
                                   "objectives; one objective: the best allocation; several: the Pareto front.")
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--trials", type=_positive_int, default=None, help="trials (overrides the file)")
    p.add_argument("--refine-trials", type=_whole, default=None,
                   help="trials of the file's refinement (overrides refine_trials; 0: none)")
    p.add_argument("--out", default=None, help="output directory (default: results/<name>)")
    p.add_argument("--json", action="store_true", help="print the best allocation and objective as one JSON object")
    p.add_argument("--sampler-seed", type=_whole, default=None, help="the sampler's seed (overrides the file)")
    p.add_argument("--restarts", type=_positive_int, default=None,
                   help="run the study N times with sampler seeds S..S+N-1 (OUT/restart-k) and report how far "
                        "their best objectives (or hypervolumes) spread")
    g = p.add_argument_group("execution")
    g.add_argument("--backend", choices=("local", "serial", "dask"), default=None,
                   help="how each trial's seeds run: local (a process pool), serial, or dask")
    g.add_argument("--workers", type=_positive_int, default=None, help="worker processes (default: the CPUs)")
    g.add_argument("--address", default=None, help="a Dask scheduler address (implies --backend dask)")
    g.add_argument("--resume", action="store_true", help="continue the study in --out from its finished trials")
    g.add_argument("--overwrite", action="store_true", help="start again, replacing the study in --out")
    g.add_argument("--simulate", default=None, help=argparse.SUPPRESS)


def _whole(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = -1
    if not 0 <= v <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number in [0, 2147483647]")
    return v


def cmd_optimize(args, argv) -> int:
    import sys

    from .optimize import optimize, result_json, summary
    from .optimize_file import load_optimize

    spec = load_optimize(args.config)
    if args.trials:
        spec.trials = args.trials
    if args.refine_trials is not None:
        if spec.refine == "none" and args.refine_trials:
            from .optimize_file import OptimizeError

            raise OptimizeError(f"--refine-trials {args.refine_trials}: the file has no refinement (refine = \"cmaes\")")
        spec.refine_trials = args.refine_trials
        spec.refine = spec.refine if args.refine_trials else "none"
    if args.sampler_seed is not None:
        spec.sampler_seed = args.sampler_seed
    out = _out_dir(args, spec.name)
    announce_compile(_simulate(args))
    args.figure = False
    options = _run_options(args, argv, out)

    def progress(n, values, best):
        if not args.json:
            now = ", ".join(f"{fmt_number(v)} {_unit(o)}" for o, v in zip(spec.objectives, values))
            print(f"trial {n + 1}/{spec.all_trials}: {now}; best so far "
                  f"{', '.join(f'{fmt_number(b)} {_unit(o)}' for o, b in zip(spec.objectives, best))}",
                  file=sys.stderr, flush=True)

    if args.restarts:
        return _restarts(spec, args, out, options, progress)
    res = optimize(spec, out=out, options=options, resume=args.resume, overwrite=args.overwrite, on_trial=progress)
    if args.json:
        print(result_json(res))
        return 0
    print(f"{spec.name}: {len(res.trials)} trials on seeds {spec.seeds}; objectives (minimised, summed over "
          f"{spec.base.get('months')} months, mean over seeds): {', '.join(spec.objectives)}")
    base = {p: spec.base_budget(p) for p in spec.programmes}
    for b in res.best[:10]:
        print(f"  trial {b['trial']}: " + ", ".join(f"{k} {fmt_number(v)} {_unit(k)}" for k, v in b["objectives"].items()))
        for p, v in b["budgets"].items():
            print(f"    {p:<26} {fmt_usd(v):>16} a year (base {fmt_usd(base[p])})")
    print("  base allocation: " + ", ".join(f"{o} {fmt_number(v)} {_unit(o)}" for o, v in zip(spec.objectives,
                                                                                              res.base_objectives)))
    for name, c in summary(res).get("candidates", {}).items():
        print(f"  candidate {name} (trial {c['trial']}): " + ", ".join(
            f"{o} {fmt_number(v)} {_unit(o)}" for o, v in c["objectives"].items()))
    print(_session_line(res.session))
    print(l_grade_note())
    print(f"trials: {out / 'trials.csv'}; best: {out / 'best.json'}; convergence: {out / 'convergence.png'}")
    return 0


def _restarts(spec, args, out, options, progress) -> int:
    import json

    from .optimize_restarts import optimize_restarts, restarts_summary

    def done(k, res):
        if not args.json:
            b = res.best[0]["objectives"] if not spec.multi else {"hypervolume": res.trials["hypervolume"].iloc[-1]}
            print(f"restart {k}/{args.restarts} (sampler seed {res.spec.sampler_seed}): "
                  + ", ".join(f"{o} {fmt_number(v)} {_unit(o)}" for o, v in b.items())
                  + f"; {_session_line(res.session)}",
                  flush=True)

    res = optimize_restarts(spec, args.restarts, out=out, options=options, resume=args.resume,
                            overwrite=args.overwrite, on_restart=done, on_trial=progress)
    s = restarts_summary(res)
    if args.json:
        print(json.dumps(s))
        return 0
    print(f"{spec.name}: {args.restarts} restarts of {spec.all_trials} trials on seeds {spec.seeds}; the {s['measure']} "
          f"of the restarts spreads {s['spread_pct']:.2f}% from the best (restart {s['best_restart']})")
    print(l_grade_note())
    print(f"restarts: {out / 'restarts.csv'}; each restart's study in {out}/restart-k")
    return 0


def _session_line(session: dict) -> str:
    if not session:
        return ""
    return (f"this session: {session['wall_seconds']:.0f} s wall, {session['cpu_seconds']:.0f} s CPU on "
            f"{session['cpus']} CPUs (load average {session['load_average_1min_start']} at the start, "
            f"{session['load_average_1min_end']} at the end)")


def _unit(objective: str) -> str:
    """An objective's unit: a column's, summed over the months (flows) and averaged over the seeds."""
    if objective == "net_monetary_benefit":
        return "USD (negated: minimised)"
    if objective == "hypervolume":
        return "(of the objectives over the base allocation's, reference point 1.5)"
    if objective == "weighted_index":
        return "(index: sum of weight x outcome / its value under the base allocation)"
    from model.outputs import unit_of

    return unit_of(objective).replace(" a month", "")

"""The ``drugmarket`` subcommands ``run``, ``sweep`` and ``compare``: each returns its exit status."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .data_dictionary import FILE, write_data_dictionary
from .first_run import announce_compile
from .options import RunOptions

#: the environment variable of the testing hook that replaces model.simulate (see experiments/cli.py)
SIMULATE_ENV = "DRUGMARKET_SIMULATE"


class CommandState:
    """The output directory of the command running now, for the message after Ctrl-C."""

    out: Path | None = None


def print_error(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def _simulate(args) -> str | None:
    return args.simulate or os.environ.get(SIMULATE_ENV) or None


def _safe_name(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._") or "run"
    return s[:100]


def _out_dir(args, default_name: str) -> Path:
    """``--out``, or results/<default_name>; remembered for the message after Ctrl-C."""
    out = Path(args.out) if args.out else Path("results") / _safe_name(default_name)
    CommandState.out = out
    return out


def _overrides(args) -> list[str]:
    extra = list(args.overrides)
    if args.months is not None:
        extra.append(f"months={args.months}")
    if args.preset is not None:
        extra.append(f'preset="{args.preset}"')
    return extra


def _load(path: str | None, overrides: list[str]):
    from model.run import check_scenario
    from model.scenario import load_scenario

    scenario = load_scenario(path, overrides)
    check_scenario(scenario)  # a bad world file or an unknown country is refused before any run starts
    return scenario


def _run_options(args, argv, out: Path) -> RunOptions:
    """The run options of a command: its execution options, ``out`` and the command line."""
    return RunOptions(
        simulate=_simulate(args), backend=args.backend, workers=args.workers, address=args.address, out=out,
        resume=args.resume, overwrite=args.overwrite, command=["drugmarket", *argv],
    )


def _draws(args):
    """The draw plan of ``--draws``, ``--draws-seed`` and ``--draw-grades`` (None: no draws)."""
    from .draws import make_plan

    if not getattr(args, "draws", None):
        if getattr(args, "draws_seed", None) is not None or getattr(args, "draw_grades", None):
            print("note: --draws-seed and --draw-grades do nothing without --draws N", file=sys.stderr)
        return None
    return make_plan(args.draws, args.draws_seed, args.draw_grades)


def _draws_line(plan) -> str:
    """What the draws were, for the lines under a result."""
    from .draws import uncertain_parameters

    n = len(uncertain_parameters(plan.grades))
    return (f"parameter draws: {plan.n} (draws seed {plan.seed}) of the {n} parameters graded "
            f"{'/'.join(plan.grades)}, each from its grade's prior (docs/ODD.md, priors); parameters a scenario "
            "sets itself are not redrawn; the values are in the manifest")


def _left_out_draws(report) -> str | None:
    """Which draws lost runs (left out of the pairing), and the first error: with parameter values the
    2021 calibration cannot meet, every scenario of a draw fails alike."""
    failed = [t for t in report.tasks if report.status.get(t.task_id) == "failed" and "draw" in t.extra]
    if not failed:
        return None
    draws = sorted({t.extra["draw"] for t in failed})
    first = report.errors.get(failed[0].task_id, "")
    return (f"note: {len(draws)} draw{'s' if len(draws) != 1 else ''} ({', '.join(map(str, draws[:12]))}"
            f"{', ...' if len(draws) > 12 else ''}) lost runs and {'are' if len(draws) != 1 else 'is'} left out of "
            f"the pairing; first error: {first[:200]}")


def _failed_exit(report) -> int:
    """Exit status 1 if runs failed (after a note on runs Dask had to rerun), else 0."""
    deaths = getattr(report, "worker_deaths", None)
    if deaths:
        print(f"note: a Dask worker process died under {len(deaths)} run{'s' if len(deaths) != 1 else ''} "
              f"(tasks {', '.join(map(str, sorted(deaths)[:10]))}{', ...' if len(deaths) > 10 else ''}); Dask ran "
              "them again elsewhere (worker_deaths in the manifest)", file=sys.stderr)
    if report.n_failed:
        print_error(report.failure_summary())
        return 1
    return 0


def cmd_run(args, argv) -> int:
    from .run_summary import summary_lines
    from .runner import run_scenarios
    from .storage import atomic_write_parquet

    scenario = _load(args.scenario, _overrides(args))
    out = _out_dir(args, scenario.name)
    announce_compile(_simulate(args))
    plan = _draws(args)
    report = run_scenarios([scenario], args.seeds, _run_options(args, argv, out), kind="run", draws=plan)
    df = report.results()
    if len(df):
        atomic_write_parquet(df, out / "results.parquet")
        lines = summary_lines(df) or [f"{len(df):,} rows"]
        print(f"{scenario.name} ({scenario.preset}, {scenario.months} months): " + lines[0])
        for line in lines[1:]:
            print("  " + line)
        print("  " + (_draws_line(plan) if plan else NO_DRAWS_NOTE))
        if plan and _left_out_draws(report):
            print("  " + _left_out_draws(report))
        print("  " + l_grade_note())
        if args.figure:
            from viz.figures import outcomes_figure

            outcomes_figure(df, out / "outcomes.png", title=scenario.name)
        write_data_dictionary(out, df.columns)
        print(f"results: {out / 'results.parquet'} ({len(df):,} rows)"
              + (f", figure: {out / 'outcomes.png'}" if args.figure else "") + f"; columns: {out / FILE}")
    return _failed_exit(report)


def cmd_sweep(args, argv) -> int:
    from .sweep import format_sensitivity, load_sweep, run_sweep, sample_design

    spec = load_sweep(args.sweep_file)
    _check_sweep_worlds(spec)
    out = _out_dir(args, spec.name)
    design, _ = sample_design(spec)
    plan = _draws(args)
    n_draws = plan.n if plan else 1
    n_runs = len(design) * spec.replicates * n_draws * (2 if spec.compare_to is not None else 1)
    print(f"sweep {spec.name}: {spec.design} design, {len(spec.factors)} factors, {len(design)} rows "
          + (f"x {plan.n} parameter draws " if plan else "")
          + f"x {spec.replicates} seed{'s' if spec.replicates != 1 else ''}"
          + (" x 2 arms" if spec.compare_to is not None else "") + f" = {n_runs} runs -> {out}")
    announce_compile(_simulate(args))
    res = run_sweep(spec, figure=args.figure, options=_run_options(args, argv, out), draws=plan)
    if res.sensitivity is not None:
        print(format_sensitivity(res.sensitivity, spec.design))
        print(f"sensitivity: {out / 'sensitivity.csv'}" + (f", figure: {out / 'sensitivity.png'}" if args.figure else ""))
    if plan:
        print(_draws_line(plan) + "; the analysis averages each design row over its draws and seeds")
    if res.note:
        print(f"note: {res.note}", file=sys.stderr)
    if res.runs is not None:
        print(f"outputs per run: {out / 'outputs.parquet'}; design: {out / 'design.parquet'}")
    if write_data_dictionary(out):
        print(f"columns of the monthly rows (parts/): {out / FILE}")
    return _failed_exit(res.report)


def _check_sweep_worlds(spec) -> None:
    """Refuse before any run a sweep whose base scenario, or a ``world`` level, names a world file
    that cannot be used (as ``run`` and ``compare`` do), instead of failing in every run."""
    import copy

    from model.run import check_scenario

    check_scenario(spec.base)
    for f in spec.factors:
        if f.key == "world":
            for level in f.levels or []:
                s = copy.deepcopy(spec.base)
                s.world = level
                check_scenario(s)


def cmd_compare(args, argv) -> int:
    from .compare import compare, format_table

    overrides = _overrides(args)
    baseline = _load(args.baseline, overrides)
    policies = [_load(p, overrides) for p in args.policies]
    out = _out_dir(args, "compare-" + baseline.name + "-vs-" + "-".join(p.name for p in policies))
    announce_compile(_simulate(args))
    plan = _draws(args)
    res = compare(baseline, policies, args.seeds, horizon=args.horizon, figure=args.figure,
                  options=_run_options(args, argv, out), draws=plan)
    print(format_table(res.table, months=f", months 1-{res.horizon}" if res.horizon else ""))
    if res.ledger is not None and len(res.ledger):
        from .ledger import format_ledger

        n = int(res.ledger["n_seeds"].max())
        print("\n" + format_ledger(res.ledger, horizon_months=res.horizon or 0, n_seeds=n) + "\n")
    print(_draws_line(plan) if plan else NO_DRAWS_NOTE)
    if plan and _left_out_draws(res.report):
        print(_left_out_draws(res.report))
    print(l_grade_note())
    write_data_dictionary(out)
    print(f"table: {out / 'compare.csv'}; ledger: {out / 'ledger.csv'}; per seed: {out / 'per_seed.csv'}"
          + (f"; per draw: {out / 'per_draw.csv'}" if plan else "")
          + (f"; figure: {out / 'compare.png'}" if args.figure else "") + f"; columns: {out / FILE}")
    return _failed_exit(res.report)


#: the line under a result without --draws: its intervals are chance only
NO_DRAWS_NOTE = ("note: every parameter at its default: the intervals are chance (between seeds) only, not what "
                 "we do not know about the parameters; --draws N adds that interval")


def l_grade_note() -> str:
    """The line every printed result carries: how many of the model's parameters are placeholders."""
    from model.params import PARAMS

    n_low = sum(p.grade == "L" for p in PARAMS.values())
    return (f"note: {n_low} of the model's {len(PARAMS)} parameters are graded L (placeholder or judgement; "
            "docs/ODD.md section 13): these numbers rest on them and are not findings about the world")


def cmd_voi(args, argv) -> int:
    import json

    from .voi_run import format_voi, load_voi, run_voi, voi_json

    spec = load_voi(args.config)
    for k in ("draws", "seeds", "months", "preset"):
        if getattr(args, k) is not None:
            setattr(spec, k, getattr(args, k))
    out = _out_dir(args, "voi-" + spec.name)
    if not args.json:
        n = (len(spec.policies) + 1) * spec.draws * spec.seeds
        print(f"voi {spec.name}: {len(spec.policies) + 1} options x {spec.draws} draws x {spec.seeds} seed"
              f"{'s' if spec.seeds != 1 else ''} = {n} runs ({spec.preset}, {spec.months} months) -> {out}")
        announce_compile(_simulate(args))
    options = _run_options(args, argv, out)
    res = run_voi(spec, options=options.but(progress=False) if args.json else options, figure=args.figure)
    if args.json:
        print(json.dumps(voi_json(spec, res.table, res.summary), indent=2))
    else:
        print(format_voi(res))
        if _left_out_draws(res.report):
            print(_left_out_draws(res.report))
        print(l_grade_note())
        print(f"ranking: {out / 'voi.csv'}, {out / 'voi.json'}; comparison: {out / 'compare.csv'}")
    return _failed_exit(res.report)

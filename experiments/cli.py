"""The ``drugmarket`` command line.

    drugmarket run [SCENARIO] [--set key=value ...] [--seeds N] [--months M] [--preset P] [--out DIR]
    drugmarket sweep SWEEP_FILE [--backend local|serial|dask] [--workers N] [--address ADDR] [--resume] [--out DIR]
    drugmarket compare BASELINE POLICY [POLICY ...] [--seeds N] [--set key=value ...] [--out DIR]
    drugmarket reproduce [NAME ...] [--fast]      (experiments.published:main)
    drugmarket app                                (viz.app:serve)
    drugmarket bench                              (benchmarks.__main__:main)

Exit status: 0 success; 1 some runs failed, or results could not be written (the
others are saved; the manifest has the errors); 2 bad input (``error: <message>`` on stderr, no traceback);
130 interrupted (finished runs are kept: rerun with ``--resume``).

For testing only: ``--simulate module:function`` (hidden) or the environment
variable ``DRUGMARKET_SIMULATE=module:function`` replaces ``model.simulate`` by
another function with the same signature ``simulate(scenario, seed) -> DataFrame``
(it must be importable by the worker processes too).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import re
import sys
from pathlib import Path
from typing import Sequence

SIMULATE_ENV = "DRUGMARKET_SIMULATE"
DELEGATES = {
    "reproduce": ("experiments.published:main", "reproduce the published experiments"),
    "app": ("viz.app:serve", "start the Solara workshop app"),
    "bench": ("benchmarks.__main__:main", "run the benchmarks (python -m benchmarks)"),
}


class UsageError(ValueError):
    """Bad command-line input (printed as ``error: ...``, exit 2)."""


# --------------------------------------------------------------------------- parser
def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def _seeds(text: str) -> int | list[int]:
    """``10`` -> seeds 1..10; ``3,7,11`` -> those seeds."""
    if "," in text:
        try:
            seeds = [int(s) for s in text.split(",") if s.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected N or a comma-separated list of seeds, got {text!r}") from None
        if len(set(seeds)) != len(seeds) or not seeds:
            raise argparse.ArgumentTypeError(f"seeds must be distinct, got {text!r}")
        return seeds
    return _positive_int(text)


def _add_exec_options(p: argparse.ArgumentParser, *, resume_help: str = "") -> None:
    g = p.add_argument_group("execution")
    g.add_argument("--backend", choices=("local", "serial", "dask"), default=None,
                   help="local: a process pool (default); serial: in this process; "
                        "dask: a Dask LocalCluster, or the scheduler given by --address")
    g.add_argument("--workers", type=_positive_int, default=None,
                   help="worker processes (default: the number of CPUs)")
    g.add_argument("--address", default=None, help="a Dask scheduler address (implies --backend dask)")
    g.add_argument("--resume", action="store_true",
                   help=resume_help or "continue a run in --out: skip the runs already saved, rerun the rest")
    g.add_argument("--overwrite", action="store_true", help="replace the results already in --out")
    g.add_argument("--no-figure", dest="figure", action="store_false", help="do not draw figures")
    g.add_argument("--simulate", default=None, help=argparse.SUPPRESS)  # testing: module:function


def _add_scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario value by dotted name, e.g. --set policy.budget.treatment=2e9 (repeatable)")
    p.add_argument("--seeds", type=_seeds, default=None, metavar="N",
                   help="number of seeds (1..N, default 10) or a comma-separated list; "
                        "the same seeds for every scenario (common random numbers)")
    p.add_argument("--months", type=_positive_int, default=None, help="months to simulate (overrides the scenario)")
    p.add_argument("--preset", default=None, help="agent scale preset (overrides the scenario), e.g. tiny, workshop, national")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drugmarket",
        description="An agent-based model of the illicit drug market and the policies aimed at it.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="run one scenario over several seeds",
                       description="Run a scenario once per seed; write parts, manifest, results.parquet and outcomes.png to --out.")
    p.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                   help="a scenario TOML file or a shipped scenario's name (default: the status quo)")
    _add_scenario_options(p)
    p.add_argument("--out", default=None, help="output directory (default: results/<scenario name>)")
    _add_exec_options(p)

    p = sub.add_parser("sweep", help="run a parameter sweep and sensitivity analysis from a sweep file",
                       description="Run the design of a sweep file (see experiments/sweeps/example.toml) and analyse it.")
    p.add_argument("sweep_file", metavar="SWEEP_FILE")
    p.add_argument("--out", default=None, help="output directory (default: results/<sweep name>)")
    _add_exec_options(p)

    p = sub.add_parser("compare", help="outcomes averted and cost-effectiveness of policies against a baseline",
                       description="Run a baseline and policies with the same seeds and report each policy's "
                                   "outcomes averted (paired differences, 95%% intervals) and cost per death averted.")
    p.add_argument("baseline", metavar="BASELINE")
    p.add_argument("policies", nargs="+", metavar="POLICY")
    _add_scenario_options(p)
    p.add_argument("--horizon", type=_positive_int, default=None, help="compare the first H months (default: all)")
    p.add_argument("--out", default=None, help="output directory (default: results/compare-<baseline>)")
    _add_exec_options(p)

    for name, (target, text) in DELEGATES.items():
        p = sub.add_parser(name, help=text, add_help=False, description=f"{text} ({target})")
        p.add_argument("args", nargs=argparse.REMAINDER)
    return parser


# --------------------------------------------------------------------------- helpers
def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def _user_errors() -> tuple[type[BaseException], ...]:
    from .backends import BackendError
    from .runner import ExperimentError

    types: list[type[BaseException]] = [UsageError, ExperimentError, BackendError]
    try:
        from model.scenario import ScenarioError
        from model.world import WorldError

        types += [ScenarioError, WorldError]
    except Exception:  # noqa: BLE001 - the model may not be importable; its errors then are not raised either
        pass
    return tuple(types)


def _simulate(args) -> str | None:
    return args.simulate or os.environ.get(SIMULATE_ENV) or None


def _safe_name(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._") or "run"
    return s[:100]


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


def _exec_kwargs(args, argv) -> dict:
    return dict(
        simulate=_simulate(args), backend=args.backend, workers=args.workers, address=args.address,
        resume=args.resume, overwrite=args.overwrite, command=["drugmarket", *argv],
    )


def _failed_exit(report) -> int:
    deaths = getattr(report, "worker_deaths", None)
    if deaths:
        print(f"note: a Dask worker process died under {len(deaths)} run{'s' if len(deaths) != 1 else ''} "
              f"(tasks {', '.join(map(str, sorted(deaths)[:10]))}{', ...' if len(deaths) > 10 else ''}); Dask ran "
              "them again elsewhere (worker_deaths in the manifest)", file=sys.stderr)
    if report.n_failed:
        _err(report.failure_summary())
        return 1
    return 0


# --------------------------------------------------------------------------- run summary
#: column or prefix, label, kind (flow: a year; stock: people etc.), unit
SUMMARY_ITEMS = (
    ("overdose_deaths", "overdose deaths", "flow", "a year"),
    ("overdoses_reversed", "overdoses reversed", "flow", "a year"),
    ("new_hiv_pwid", "new HIV infections (PWID)", "flow", "a year"),
    ("violence_deaths", "violence deaths", "flow", "a year"),
    ("initiations", "initiations", "flow", "a year"),
    ("arrests", "arrests", "flow", "a year"),
    ("people_with_sud", "people with SUD", "stock", "people"),
    ("in_treatment", "people in treatment", "stock", "people"),
    ("incarcerated", "people incarcerated", "stock", "people"),
    ("fentanyl_share", "fentanyl share", "share", ""),
    ("cultivation_ha_", "cultivation (all countries)", "stock", "ha"),
    ("retail_price_", "retail price", "price", "USD per pure gram"),
    ("seized_kg_", "seizures", "flow", "kg a year"),
    ("spend_usd_", "spending (all programs)", "flow", "USD a year"),
)


def _window(df, first: bool, n: int = 12):
    m = df["month"]
    if first:
        return df[m < m.groupby(df["seed"]).transform("min") + n]
    return df[m > m.groupby(df["seed"]).transform("max") - n]


def _summary_value(df, cols: list[str], kind: str, first: bool):
    """Per seed: flows as mean month x 12 (a year), stocks and prices as the mean over the window."""
    from .numbers import t_interval

    w = _window(df, first)
    monthly = w[cols].sum(axis=1, min_count=1)
    per_seed = monthly.groupby(w["seed"]).mean()
    if kind == "flow":
        per_seed = per_seed * 12
    return t_interval(per_seed)


def _fmt_value(x: float, kind: str, unit: str, *, with_unit: bool = True) -> str:
    from .numbers import fmt_number, fmt_usd

    if kind == "share":
        return f"{x * 100:.1f}%" if abs(x) <= 1.0 else fmt_number(x)
    if unit.startswith("USD"):
        text = fmt_usd(x) if kind != "price" else f"USD {fmt_number(x, 3)}"
        rest = unit[3:].strip()
        if not with_unit:
            return text[4:] if text.startswith("USD ") else text
        return f"{text} {rest}".rstrip()
    return f"{fmt_number(x)} {unit}" if with_unit and unit else fmt_number(x)


def summary_lines(df) -> list[str]:
    """The run summary: each main outcome in the first 12 months (and the last 12) with
    units: flows as a year (mean month x 12), stocks as the mean of the months; mean
    over seeds with a 95% interval of that mean. Skips columns that are absent."""
    if not len(df) or "seed" not in df.columns:
        return []
    if "month" not in df.columns:
        df = df.assign(month=df.groupby("seed").cumcount() + 1)
    months = int(df.groupby("seed")["month"].count().max())
    n_seeds = df["seed"].nunique()
    lines = []
    from .columns import cultivation_columns, drug_columns, spend_columns

    # drug-level columns (retail_price_<drug>), not those by market (retail_price_<drug>_<market>)
    drugs = [c[len("retail_price_"):] for c in drug_columns(df, "retail_price_")]
    for spec, label, kind, unit in SUMMARY_ITEMS:
        if spec == "retail_price_":
            groups = [(f"retail price of {d}", [spec + d]) for d in drugs]
        elif spec == "seized_kg_":
            cols = [spec + d for d in drugs if spec + d in df.columns] if drugs else drug_columns(df, spec)
            groups = [(f"{label} (all drugs)", cols)]
        elif spec == "cultivation_ha_":
            groups = [(label, cultivation_columns(df))]
        elif spec == "spend_usd_":
            groups = [(label, spend_columns(df))]
        else:
            groups = [(label, [spec])] if spec in df.columns else []
        for lbl, cols in groups:
            if not cols:
                continue
            m, lo, hi = _summary_value(df, cols, kind, True)
            text = f"{lbl}: {_fmt_value(m, kind, unit)}"
            if lo == lo:
                text += (f" (95% interval {_fmt_value(lo, kind, unit, with_unit=False)}"
                         f" to {_fmt_value(hi, kind, unit, with_unit=False)})")
            if months >= 24:
                m2, _, _ = _summary_value(df, cols, kind, False)
                text += f"; last 12 months: {_fmt_value(m2, kind, unit)}"
            lines.append(text)
    head = (f"{n_seeds} seed{'s' if n_seeds != 1 else ''} x {months} months. First 12 months "
            "(flows: mean month x 12 = a year; stocks and prices: mean of the months), "
            f"mean over seeds{' with the 95% interval of that mean' if n_seeds > 1 else ''}:")
    return [head, *lines]


# --------------------------------------------------------------------------- commands
def cmd_run(args, argv) -> int:
    from .runner import run_scenarios
    from .storage import atomic_write_parquet

    scenario = _load(args.scenario, _overrides(args))
    out = Path(args.out) if args.out else Path("results") / _safe_name(scenario.name)
    _State.out = out
    report = run_scenarios([scenario], args.seeds, out=out, kind="run", **_exec_kwargs(args, argv))
    df = report.results()
    if len(df):
        atomic_write_parquet(df, out / "results.parquet")
        lines = summary_lines(df) or [f"{len(df):,} rows"]
        print(f"{scenario.name} ({scenario.preset}, {scenario.months} months): " + lines[0])
        for line in lines[1:]:
            print("  " + line)
        if args.figure:
            from viz.figures import outcomes_figure

            outcomes_figure(df, out / "outcomes.png", title=scenario.name)
        print(f"results: {out / 'results.parquet'} ({len(df):,} rows)"
              + (f", figure: {out / 'outcomes.png'}" if args.figure else ""))
    return _failed_exit(report)


def cmd_sweep(args, argv) -> int:
    from .sweep import format_sensitivity, load_sweep, run_sweep, sample_design

    spec = load_sweep(args.sweep_file)
    _check_sweep_worlds(spec)
    out = Path(args.out) if args.out else Path("results") / _safe_name(spec.name)
    _State.out = out
    design, _ = sample_design(spec)
    n_runs = len(design) * spec.replicates
    print(f"sweep {spec.name}: {spec.design} design, {len(spec.factors)} factors, {len(design)} rows "
          f"x {spec.replicates} seed{'s' if spec.replicates != 1 else ''} = {n_runs} runs -> {out}")
    res = run_sweep(spec, out=out, figure=args.figure, **_exec_kwargs(args, argv))
    if res.sensitivity is not None:
        print(format_sensitivity(res.sensitivity, spec.design))
        print(f"sensitivity: {out / 'sensitivity.csv'}" + (f", figure: {out / 'sensitivity.png'}" if args.figure else ""))
    if res.note:
        print(f"note: {res.note}", file=sys.stderr)
    if res.runs is not None:
        print(f"outputs per run: {out / 'outputs.parquet'}; design: {out / 'design.parquet'}")
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
    if args.out:
        out = Path(args.out)
    else:
        out = Path("results") / _safe_name("compare-" + baseline.name + "-vs-" + "-".join(p.name for p in policies))
    _State.out = out
    res = compare(baseline, policies, args.seeds, out=out, horizon=args.horizon, figure=args.figure,
                  **_exec_kwargs(args, argv))
    print(format_table(res.table, months=f", months 1-{res.horizon}" if res.horizon else ""))
    print(f"table: {out / 'compare.csv'}; per seed: {out / 'per_seed.csv'}"
          + (f"; figure: {out / 'compare.png'}" if args.figure else ""))
    return _failed_exit(res.report)


def cmd_delegate(name: str, argv: list[str]) -> int:
    target, _ = DELEGATES[name]
    mod_name, _, attr = target.partition(":")
    try:
        mod = importlib.import_module(mod_name)
    except ModuleNotFoundError as e:
        if e.name and (mod_name == e.name or mod_name.startswith(e.name + ".")):
            _err(f"'drugmarket {name}' is not available yet ({mod_name} does not exist in this installation)")
        else:
            _err(f"'drugmarket {name}' needs the package {e.name!r}, which is not installed ({e})")
        return 2
    except ImportError as e:
        _err(f"'drugmarket {name}' is not available: importing {mod_name} failed: {e}")
        return 2
    fn = getattr(mod, attr, None)
    if not callable(fn):
        _err(f"'drugmarket {name}' is not available yet ({target} does not exist)")
        return 2
    try:
        takes_args = any(
            p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
            for p in inspect.signature(fn).parameters.values()
        )
    except (TypeError, ValueError):
        takes_args = True
    if not takes_args and argv:
        _err(f"'drugmarket {name}' takes no arguments, got {' '.join(argv)}")
        return 2
    rc = fn(argv) if takes_args else fn()
    return int(rc) if isinstance(rc, int) else 0


class _State:
    out: Path | None = None


def _interrupted() -> None:
    out = _State.out
    msg = "interrupted"
    if out is not None:
        try:
            from .storage import ResultStore

            n = len(ResultStore(out).existing_parts())
            msg += f"; {n} finished run{'s' if n != 1 else ''} kept in {out} (rerun the same command with --resume to finish)"
        except OSError:
            pass
    print(f"\n{msg}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv and argv[0] in DELEGATES:  # pass everything after the subcommand through untouched
        try:
            return cmd_delegate(argv[0], argv[1:])
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return 130
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: usage error (2) or --help (0)
        return int(e.code) if isinstance(e.code, int) else 2
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    _State.out = None
    commands = {"run": cmd_run, "sweep": cmd_sweep, "compare": cmd_compare}
    user_errors = _user_errors()
    from .runner import StorageFailed

    try:
        return commands[args.command](args, argv)
    except KeyboardInterrupt:
        _interrupted()
        return 130
    except StorageFailed as e:  # a results write failed: the runs saved before are kept
        _err(str(e))
        return 1
    except user_errors as e:  # type: ignore[misc]
        _err(str(e))
        return 2
    except ModuleNotFoundError as e:
        if e.name in ("model", "model.scenario"):
            _err(f"the model is not available: {e}")
            return 2
        raise
    except OSError as e:
        _err(f"{e.filename + ': ' if getattr(e, 'filename', None) else ''}{e.strerror or e}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``drugmarket`` argument parser: its subcommands, their options and the checks of their values."""

from __future__ import annotations

import argparse

#: subcommands passed on, arguments untouched, to another entry point ("module:function")
DELEGATES = {
    "reproduce": ("experiments.published.reproduce:main", "reproduce the published experiments"),
    "app": ("viz.app:serve", "start the Solara workshop app"),
    "bench": ("benchmarks.__main__:main", "run the benchmarks (python -m benchmarks)"),
}


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


def _nonnegative_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {v}")
    return v


def _grades(text: str) -> tuple[str, ...]:
    g = tuple(dict.fromkeys(c for c in text.upper() if c not in ", "))
    if not g or any(c not in "HML" for c in g):
        raise argparse.ArgumentTypeError(f"expected some of the grades H, M, L (e.g. ML), got {text!r}")
    return g


def add_draw_options(p: argparse.ArgumentParser) -> None:
    """``--draws N``, ``--draws-seed S`` and ``--draw-grades G`` (experiments/draws.py)."""
    g = p.add_argument_group("parameter uncertainty")
    g.add_argument("--draws", type=_nonnegative_int, default=None, metavar="N",
                   help="parameter draws crossed with the seeds (default: none, every parameter at its default); "
                        "draw k is the same in every command and scenario")
    g.add_argument("--draws-seed", type=int, default=None, metavar="S",
                   help="the seed of the parameter draws (default 20240; independent of --seeds)")
    g.add_argument("--draw-grades", type=_grades, default=None, metavar="GRADES",
                   help="the grades of the parameters drawn (default ML: H stays at its default)")


def _add_exec_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("execution")
    g.add_argument("--backend", choices=("local", "serial", "dask"), default=None,
                   help="local: a process pool (default; a single run runs in this process); serial: in this process; "
                        "dask: a Dask LocalCluster, or the scheduler given by --address")
    g.add_argument("--workers", type=_positive_int, default=None,
                   help="worker processes (default: the number of CPUs)")
    g.add_argument("--address", default=None, help="a Dask scheduler address (implies --backend dask)")
    g.add_argument("--resume", action="store_true",
                   help="continue a run in --out: skip the runs already saved, rerun the rest")
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
    add_draw_options(p)


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
    add_draw_options(p)
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

    p = sub.add_parser("voi", help="rank the uncertain parameter groups by their value of information (EVPPI)",
                       description="Run the baseline and policy cards of a VOI file over parameter draws and rank "
                                   "the parameter groups by the expected value of partial perfect information for "
                                   "the choice of the card that minimises each objective (docs/voi.md).")
    p.add_argument("config", nargs="?", default=None, metavar="CONFIG",
                   help="a VOI file (default: experiments/voi/reform.toml)")
    p.add_argument("--json", action="store_true", help="print the ranking as JSON")
    p.add_argument("--draws", type=_positive_int, default=None, metavar="N", help="parameter draws (overrides the file)")
    p.add_argument("--seeds", type=_positive_int, default=None, metavar="N", help="seeds per draw (overrides the file)")
    p.add_argument("--months", type=_positive_int, default=None, help="months to simulate (overrides the file)")
    p.add_argument("--preset", default=None, help="agent scale preset (overrides the file)")
    p.add_argument("--out", default=None, help="output directory (default: results/voi-<name>)")
    _add_exec_options(p)

    from .cli_optimize import add_optimize_parser

    add_optimize_parser(sub)

    for name, (target, text) in DELEGATES.items():
        p = sub.add_parser(name, help=text, add_help=False, description=f"{text} ({target})")
        p.add_argument("args", nargs=argparse.REMAINDER)
    return parser


"""The ``drugmarket`` command line.

    drugmarket run [SCENARIO] [--set key=value ...] [--seeds N] [--draws N] [--months M] [--preset P] [--out DIR]
    drugmarket sweep SWEEP_FILE [--backend local|serial|dask] [--workers N] [--address ADDR] [--resume] [--out DIR]
    drugmarket compare BASELINE POLICY [POLICY ...] [--seeds N] [--draws N] [--set key=value ...] [--out DIR]
    drugmarket voi [VOI_FILE] [--json] [--draws N] [--seeds N] [--out DIR]
    drugmarket reproduce [NAME ...] [--fast]      (experiments.published.reproduce:main)
    drugmarket app                                (viz.app:serve)
    drugmarket bench                              (benchmarks.__main__:main)

Exit status: 0 success; 1 some runs failed, or results could not be written (the
others are saved; the manifest has the errors); 2 bad input (``error: <message>`` on stderr, no traceback);
130 interrupted (finished runs are kept: rerun with ``--resume``).

For testing only: ``--simulate module:function`` (hidden) or the environment
variable ``DRUGMARKET_SIMULATE=module:function`` replaces ``model.simulate`` by
another function with the same signature ``simulate(scenario, seed) -> DataFrame``
(it must be importable by the worker processes too).

This module dispatches a command line and maps errors to exit statuses; the parser
is experiments/cli_parser.py, the subcommands experiments/cli_commands.py.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Sequence

from .cli_commands import SIMULATE_ENV, CommandState, cmd_compare, cmd_run, cmd_sweep, cmd_voi, print_error
from .cli_parser import DELEGATES, build_parser

__all__ = ["DELEGATES", "SIMULATE_ENV", "build_parser", "cmd_delegate", "main"]


def _user_errors() -> tuple[type[BaseException], ...]:
    from .backends import BackendError
    from .errors import ExperimentError

    types: list[type[BaseException]] = [ExperimentError, BackendError]
    try:
        from model.scenario import ScenarioError
        from model.world import WorldError

        types += [ScenarioError, WorldError]
    except Exception:  # noqa: BLE001 - the model may not be importable; its errors then are not raised either
        pass
    return tuple(types)


def cmd_delegate(name: str, argv: list[str]) -> int:
    target, _ = DELEGATES[name]
    mod_name, _, attr = target.partition(":")
    try:
        mod = importlib.import_module(mod_name)
    except ModuleNotFoundError as e:
        if e.name and (mod_name == e.name or mod_name.startswith(e.name + ".")):
            print_error(f"'drugmarket {name}' is not available yet ({mod_name} does not exist in this installation)")
        else:
            print_error(f"'drugmarket {name}' needs the package {e.name!r}, which is not installed ({e})")
        return 2
    except ImportError as e:
        print_error(f"'drugmarket {name}' is not available: importing {mod_name} failed: {e}")
        return 2
    fn = getattr(mod, attr, None)
    if not callable(fn):
        print_error(f"'drugmarket {name}' is not available yet ({target} does not exist)")
        return 2
    try:
        takes_args = any(
            p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
            for p in inspect.signature(fn).parameters.values()
        )
    except (TypeError, ValueError):
        takes_args = True
    if not takes_args and argv:
        print_error(f"'drugmarket {name}' takes no arguments, got {' '.join(argv)}")
        return 2
    rc = fn(argv) if takes_args else fn()
    return int(rc) if isinstance(rc, int) else 0



def _interrupted() -> None:
    out = CommandState.out
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
    CommandState.out = None
    from .cli_optimize import cmd_optimize

    commands = {"run": cmd_run, "sweep": cmd_sweep, "compare": cmd_compare, "voi": cmd_voi, "optimize": cmd_optimize}
    user_errors = _user_errors()
    from .errors import StorageFailed

    try:
        return commands[args.command](args, argv)
    except KeyboardInterrupt:
        _interrupted()
        return 130
    except StorageFailed as e:  # a results write failed: the runs saved before are kept
        print_error(str(e))
        return 1
    except user_errors as e:  # type: ignore[misc]
        print_error(str(e))
        return 2
    except ModuleNotFoundError as e:
        if e.name in ("model", "model.scenario"):
            print_error(f"the model is not available: {e}")
            return 2
        raise
    except OSError as e:
        print_error(f"{e.filename + ': ' if getattr(e, 'filename', None) else ''}{e.strerror or e}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

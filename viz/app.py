"""The Solara workshop app.

Start it with ``drugmarket app`` (see :func:`serve`), or ``solara run viz/app.py``
(``page`` is the page). Each browser session builds its own models (see
viz/state.py): participants never see each other's runs.

    drugmarket app                          # the workshop page, http://127.0.0.1:8765
    drugmarket app --results results/sweep  # and the results explorer of that folder
    drugmarket app --port 9000 --preset tiny

The results folder is given here, on the command line, and passed to the page in
the environment variable DRUGMARKET_RESULTS; the page cannot open any other path.
docs/app.md explains how to use the page in a workshop.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
import warnings
from pathlib import Path

import solara
import solara.lab

from model.presets import PRESETS
from viz import sessions
from viz.components import CSS, Workshop, new_session
from viz.results import RESULTS_ENV, results_root
from viz.widgets import TabBar, tab_index
from viz.state import DEFAULT_ENSEMBLE, DEFAULT_SEED, MAX_MONTHS, PRESET_ENV, app_preset, status_quo_run

log = logging.getLogger(__name__)
# solara warns on every plain-http page load from an address other than "localhost" (it then uses
# samesite=lax cookies, which is right for this app); keep that out of the workshop's log
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: set by serve(): build the default seeds' burned-in templates when the server starts
WARMUP_ENV = "DRUGMARKET_APP_WARMUP"
#: logged when the warm-up has run the default seeds' status quo ahead (benchmarks wait for it)
WARMED_UP = "warm-up done"
TITLE = "Drug market workshop"
#: solara closes a browser session's kernel at once when its tab closes normally, else once it has been
#: disconnected this long (solara's own default is 24 hours); a page that reconnects sooner keeps its run
DEFAULT_CULL_AFTER = "10m"
CULL_ENV = "SOLARA_KERNEL_CULL_TIMEOUT"

# free each browser session's models when solara closes its kernel (viz/sessions.py)
solara.lab.on_kernel_start(sessions.kernel_started)


@solara.component
def Page():
    root = results_root()
    solara.Title(TITLE)
    solara.Style(CSS)
    tab, set_tab = solara.use_state(1 if root is not None else 0)
    started, set_started = solara.use_state(root is None)

    # this browser session's simulation, built in a thread when the workshop is first shown; the kernel id
    # is read here, in the render, because the thread cannot know it once the kernel has closed
    kernel = _kernel_id()
    search = solara.use_router().search  # a share link's levers (viz/share.py), read once per page
    result = solara.use_thread(lambda: _session_from_link(kernel, search) if started else None,
                               dependencies=[started], intrusive_cancel=False)

    def close():
        def stop():
            if result.value is not None:
                result.value.close()  # ends a running play loop and frees the models (again: see sessions.py)
        return stop

    solara.use_effect(close, [result.value])

    def choose_tab(i):
        i = tab_index(i, 2)
        if i == 0:
            set_started(True)
        set_tab(i)

    notice = getattr(result.value, "notice", "")
    if root is None:
        Workshop(result, notice)
        return
    from viz.explorer import Explorer

    TabBar(("Workshop", "Results explorer"), tab, choose_tab, testid="top-tabs")
    if tab == 0:
        Workshop(result, notice)
    else:
        Explorer(root)


page = Page


def _session_from_link(kernel: str | None, search: str | None):
    """This page's session, with the levers and seeds of its share link if it has one (what cannot be used
    is left at the status quo and named in ``session.notice``)."""
    from viz.share import from_query
    from viz.state import world_countries

    levers, seed, n_seeds, problems = from_query(search, world_countries())
    s = new_session(kernel, levers=levers, seed=seed, n_seeds=n_seeds)
    if problems:
        s.notice = "The share link held values that were not used: " + "; ".join(problems[:6])
    return s


def _kernel_id() -> str | None:
    try:
        return solara.get_kernel_id()
    except Exception:  # noqa: BLE001 - rendered outside a kernel (a test)
        return None


def _log_to_stderr() -> None:
    """The app's own log lines (sessions closed, the census, errors) on the server's stderr.

    solara run configures only its own and uvicorn's loggers."""
    lg = logging.getLogger("viz")
    if not lg.handlers:
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s", "%H:%M:%S"))
        lg.addHandler(h)
        lg.setLevel(logging.INFO)
        lg.propagate = False


def _warm_up() -> None:
    """Burn in the default seeds once, so that the first visitor does not wait for it (or for numba), then run
    their status quo ahead."""
    try:
        preset = app_preset()
        seeds = range(DEFAULT_SEED, DEFAULT_SEED + DEFAULT_ENSEMBLE)
        for s in seeds:
            status_quo_run(preset, s)
    except Exception:  # noqa: BLE001 - the page builds them itself if this fails
        log.exception("warm-up failed")
        return
    sessions.log_census()  # the baseline: what the server holds before any session
    # then the default seeds' status quo for the whole 20 years, a month at a time (a session that needs a
    # month first steps it itself): a participant's Play then steps only the policy models
    t0 = time.perf_counter()
    try:
        for month in range(1, MAX_MONTHS + 1):
            for s in seeds:
                status_quo_run(preset, s).row(month)
    except Exception:  # noqa: BLE001 - sessions step the status quo themselves if this fails
        log.exception("running the status quo ahead failed")
        return
    log.info("%s: the status quo of seeds %d-%d run ahead to month %d in %.0f s", WARMED_UP, seeds[0], seeds[-1],
             MAX_MONTHS, time.perf_counter() - t0)


if os.environ.get(WARMUP_ENV) == "1":
    _log_to_stderr()
    threading.Thread(target=_warm_up, name="drugmarket-warmup", daemon=True).start()


def _cached_assets_only() -> None:
    """Make Solara's asset proxy (``/_solara/cdn/...``) serve files already in its cache, and nothing else.

    Solara 1.64's proxy deletes a cached *folder* that a request names (``shutil.rmtree``, meant
    for an old Windows cache layout), then fetches the path from a public CDN: one anonymous GET
    such as ``/_solara/cdn/echarts@5.4.0/dist`` would delete the page's offline assets (shipped by
    solara-assets) for every visitor. The page needs nothing that is not cached, so a missing
    file is a 404 (tests/test_security.py)."""
    server = sys.modules.get("solara.server.starlette")  # only inside the Solara server
    if server is None or not hasattr(server, "get_path"):
        return
    from solara.server.utils import path_is_child_of

    def get_path(base_cache_dir, path):
        base = Path(base_cache_dir)
        p = base / path
        if len(str(path).replace("\\", "/").split("/")) == 1:
            p = p / "__main.js"  # Solara's layout for a bare package name
        if not path_is_child_of(p, base) or not p.is_file():
            raise FileNotFoundError(path)
        return p

    server.get_path = get_path


_cached_assets_only()


# --------------------------------------------------------------------------- drugmarket app
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="drugmarket app",
        description="Start the Solara workshop app (headless, production mode). Open the printed address in a "
                    "browser; each browser session gets its own simulation.")
    p.add_argument("--results", metavar="DIR", default=None,
                   help="also open the results explorer on DIR, a folder written by drugmarket run, sweep, compare "
                        "or reproduce (or a folder holding several); the page cannot open other folders")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this "
                                                        "machine only; 0.0.0.0 to let a workshop room connect)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--preset", default=app_preset(), choices=sorted(PRESETS),
                   help="scale of the agent populations (default: workshop)")
    p.add_argument("--cull-after", metavar="DURATION", default=None,
                   help="free a browser session that has been disconnected this long without its tab closing "
                        "(a tab closed normally frees at once), e.g. 30s, 10m, 2h (default: "
                        f"${CULL_ENV} if set, else {DEFAULT_CULL_AFTER}; solara's own default is 24h)")
    return p


def cull_seconds(text: str) -> float:
    """Seconds of a duration like 30s, 10m, 2h, 1d or 45 (seconds); ValueError if it is not one."""
    from solara.util import parse_timedelta

    try:
        seconds = parse_timedelta(str(text).strip())
    except ValueError:
        seconds = float("nan")
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 10m, 2h)")
    return seconds


def serve(argv: list[str] | None = None) -> int:
    """``drugmarket app [--results DIR] [--host H] [--port N] [--preset P] [--cull-after D]``: run
    ``solara run`` headless.

    Replaces this process by the Solara server (``os.execv``), so that stopping it (Ctrl-C, or a
    signal to this process id) stops the server. Returns 2 on bad arguments."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else 2
    if not 0 < args.port < 65536:
        print(f"error: --port must be 1-65535, got {args.port}", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if args.results is not None:
        root = Path(args.results).expanduser()
        if not root.is_dir():
            print(f"error: --results {args.results}: no such folder", file=sys.stderr)
            return 2
        env[RESULTS_ENV] = str(root.resolve())
    else:
        env.pop(RESULTS_ENV, None)
    cull = args.cull_after if args.cull_after is not None else env.get(CULL_ENV, DEFAULT_CULL_AFTER)
    try:
        cull_seconds(cull)
    except ValueError as e:
        print(f"error: --cull-after: {e}", file=sys.stderr)
        return 2
    env[CULL_ENV] = str(cull).strip()
    env[PRESET_ENV] = args.preset
    env[WARMUP_ENV] = "1"
    env.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "drugmarket" / "numba"))
    # workshops run offline and participants' use is nobody else's business: no usage reports to solara's
    # telemetry service (on by default); a user who wants it can set the variable themselves
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    # the repository (or the installed packages) on the path of the server process
    root_dir = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root_dir, *filter(None, [env.get("PYTHONPATH")])])
    cmd = [sys.executable, "-m", "solara", "run", "viz.app", "--host", args.host, "--port", str(args.port),
           "--no-open", "--production"]
    print(f"drugmarket app: http://{args.host}:{args.port}  (preset {args.preset}"
          + (f", results {env[RESULTS_ENV]}" if RESULTS_ENV in env else "")
          + f"; a disconnected session is freed after {env[CULL_ENV]}; Ctrl-C stops it)", flush=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)
    return 0  # pragma: no cover - execve does not return

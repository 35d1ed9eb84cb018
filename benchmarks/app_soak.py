"""Soak of the workshop app: 30 simulated participants for 30 minutes.

    python -m benchmarks.app_soak                        # 30 sessions, 30 minutes, a row every 5 minutes
    python -m benchmarks.app_soak --minutes 10 --sessions 10

The load test (benchmarks/app_load.py) with one long round: ``--rounds 1 --minutes 30
--report-every 5 --cull-after 10m --out results/app-soak --name app_soak``; any of its
options can be given and win. Writes results/app-soak/app_soak.json, app_soak_rss.png (RSS and load
average over time) and server.log, and prints the table of steps, errors, RSS, load
and step latency every 5 minutes.
"""

from __future__ import annotations

import sys

from benchmarks import app_load

#: --cull-after 10m, the app's default: under a load peak a page's websocket can drop for more than the load
#: test's 30 s, and a page whose kernel was culled meanwhile cannot reconnect (seen in the first soak, docs/app.md)
DEFAULTS = ["--sessions", "30", "--minutes", "30", "--rounds", "1", "--report-every", "5",
            "--cull-after", "10m", "--out", "results/app-soak", "--name", "app_soak"]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return app_load.main(DEFAULTS + argv)  # argparse: a later option wins


if __name__ == "__main__":
    sys.exit(main())

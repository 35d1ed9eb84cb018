"""The load test's report: the table of each round and the plot of the server's RSS over time."""

from __future__ import annotations

from pathlib import Path


def plot_rss(samples: list[dict], marks: dict, path: Path, title: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(10, 4.8))
    t = [s["t"] / 60 for s in samples]
    ax.plot(t, [s["rss_mb"] for s in samples], lw=1.5, color="C0", label="server RSS")
    colors = {"opening": "C1", "stepping": "C2", "closed": "C3"}
    seen = set()
    for name, tm in marks.items():
        kind = name.split()[-1]
        if kind in colors:
            ax.axvline(tm / 60, color=colors[kind], ls="--", lw=1, label=None if kind in seen else f"sessions {kind}")
            seen.add(kind)
    ax.set_xlabel("minutes since the server started serving")
    ax.set_ylabel("server RSS, MB (process and children)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if any("load1" in s for s in samples):
        ax2 = ax.twinx()
        ax2.plot(t, [s.get("load1", float("nan")) for s in samples], lw=0.8, color="0.6", label="load average (1 min)")
        ax2.set_ylabel("load average, 1 min (2 cores)", color="0.4")
        ax2.set_ylim(bottom=0)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    else:
        ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True



def table(r: dict) -> str:
    lines = []
    for rd in r["rounds"]:
        m = rd["rss_mb"]
        lat = rd["step_latency_s"] or {}
        c = rd["census_after"] or {}
        kc = rd["kernels_closed"]
        rows = [("sessions", f"{rd['sessions_opened']} of {rd['sessions_requested']}"
                 + (f", loaded in {rd['load_s']['min']}-{rd['load_s']['max']} s" if rd["load_s"] else "")),
                ("stepping", f"{rd['stepping_seconds']:.0f} s, {rd['steps']} steps "
                             f"({min(rd['steps_per_session'], default=0)}-{max(rd['steps_per_session'], default=0)} "
                             f"a session), months match steps: {rd['months_match_steps']}"),
                ("step latency median / p90 / max (s)",
                 f"{lat.get('median', '-')} / {lat.get('p90', '-')} / {lat.get('max', '-')}"),
                ("errors", f"{rd['errors_total']}  " + ", ".join(f"{k} {v}" for k, v in rd["errors"].items())
                 + f"; in sessions {rd['sessions_with_errors'] or 'none'}"),
                ("RSS start / opened / peak / at close / after (MB)",
                 f"{m['start']} / {m['opened']} / {m['peak']} / {m['at_close']} / {m['after']} "
                 f"(mean of the last 15 of {m['after_wait_s']:g} s)"),
                ("kernels closed", f"{kc['count']} ({kc['within_5s']} within 5 s of closing)"),
                ("census after", ", ".join(f"{k} {v}" for k, v in c.items() if v is not None) or "none logged")]
        w = max(len(k) for k, _ in rows)
        lines.append(f"round {rd['round']}")
        lines += [f"  {k:<{w}}  {v}" for k, v in rows]
        lines.append("  | minute | steps | errors | RSS MB | load 1 min | latency median / p90 s |")
        lines.append("  |---|---|---|---|---|---|")
        for row in rd["rows"]:
            q = row["latency_s"] or {}
            lines.append(f"  | {row['minute']:g} | {row['steps']} | {row['errors']} | {row['rss_mb']:.0f} | "
                         f"{row['load1']:.1f} | {q.get('median', '-')} / {q.get('p90', '-')} |")
    ld = r["load1_while_stepping"] or {}
    c0 = r["census_before"] or {}
    lines.append("census before the load: " + (", ".join(f"{k} {v}" for k, v in c0.items()) or "none logged"))
    lines.append(f"server RSS before {r['rss_mb']['before']} MB, peak {r['rss_mb']['peak']} MB; load average while "
                 f"stepping median {ld.get('median', '-')}, max {ld.get('max', '-')}; errors in all "
                 f"{r['errors_total']} (server log {r['server_log_errors']}); outside requests blocked "
                 f"{r['outside_requests_blocked']}; server alive at end {r['server_alive_at_end']}")
    return "\n".join(lines)

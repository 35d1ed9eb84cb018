"""Agent-steps per second of the population phases: numba kernels against plain Mesa agents.

Only the population phase is timed. A model is built and stepped once (so its monthly rates,
peer-group counts and draw keys are those of a real month); its state arrays are saved; then
each timed repetition restores them and runs

- the kernel function directly on the model's arrays
  (``step_users(...)``, ``step_farmers(...)``, as ``DrugMarketModel`` calls them), or
- the same rules through the Mesa agents: ``model.agents_by_type[User].do("step")``
  (a model built with ``path="reference"``).

Both paths start from the same arrays with the same rates and draws, so they must end with
identical arrays; that is checked (``paths_agree``). Times are the best of the repetitions
(least disturbed by other processes); the median is reported too.
"""

from __future__ import annotations

import gc
import statistics
import time

import numpy as np
from numba import njit, prange

from benchmarks import paired
from benchmarks.bandwidth import (USERS_WRITE, achieved_gbps, farmers_bytes_per_step, users_bytes_moved,
                                  users_bytes_per_step)
from benchmarks.common import log
from benchmarks.kernel_calls import farmers_args, farmers_call, time_restoring, users_args, users_call
from benchmarks.scenarios import scenario
from model import rng


def build(preset: str, seed: int, path: str = "kernel", n_users: int | None = None,
          n_farmers: int | None = None, base: str = "workshop"):
    """A model of ``preset`` (or a custom size based on ``base``), stepped once and set to the next month.

    The kernels are timed on the month after the one played, with that month's rates and the peer tables
    it left: a new month's draws. Timing the month just played again would replay its draws on the
    people they already moved, so far fewer would act (the screen flagged about 10,000 people of a
    million instead of about 19,000) and the users kernel would look faster than in a run."""
    from model.model import DrugMarketModel
    from model.presets import PRESETS
    name = preset
    if n_users is not None:
        name = "_benchmark_kernels"
        PRESETS[name] = {**PRESETS[base], "n_users": int(n_users), "n_farmers": int(n_farmers or PRESETS[base]["n_farmers"])}
    try:
        sc = scenario(name, 1)
        m = DrugMarketModel(scenario=sc, seed=seed, path=path)
    finally:
        if name == "_benchmark_kernels":
            PRESETS.pop(name, None)
    m.step()
    next_month(m)
    return m


def next_month(m) -> None:
    """Move ``m`` to the next month's draws without playing it: the month counter and the Mesa agents'
    draw keys (the kernels take the month as an argument)."""
    m.t += 1
    m.set_draw_keys()


# --------------------------------------------------------------------------- timing
def _rate(n: int, times: list[float]) -> dict:
    best = min(times)
    return {"agents": int(n), "reps": len(times), "best_s": best, "median_s": statistics.median(times),
            "msteps_per_s": n / best / 1e6, "msteps_per_s_median": n / statistics.median(times) / 1e6}


def time_kernel(call: tuple, reps: int) -> tuple[dict, dict]:
    """Best and median speed of a kernel ``call`` (from ``users_call`` or ``farmers_call``), and its arrays
    after one run."""
    fn, writable, n = call
    fn()  # compile or load, outside the clock (then restored below)
    times, after = time_restoring(fn, writable, reps)
    return _rate(n, times), after


def time_reference(m, agent_cls, writable: dict, reps: int) -> tuple[dict, dict]:
    agents = m.agents_by_type[agent_cls]
    times, after = time_restoring(lambda: agents.do("step"), writable, reps)
    return _rate(len(agents), times), after


def _helpers(m, reps: int) -> dict:
    """The users phase's counting kernel (run every month besides step_users)."""
    from model.users.count import count_month
    from model.users.states import EVENT_BITS, USER_STATE_NAMES
    from model.world import GROUPS

    u = m.users.people
    before = u.state.copy()

    def fn():
        return count_month(u.market, u.group, u.state, before, u.flags, u.risk, u.event, u.group_size,
                           len(m.users.markets), len(GROUPS), len(USER_STATE_NAMES), EVENT_BITS)

    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"count_month": _round(_rate(u.n, times))}


def _round(rate: dict) -> dict:
    for k in ("best_s", "median_s"):
        rate[k] = round(rate[k], 6)
    for k in ("msteps_per_s", "msteps_per_s_median"):
        rate[k] = round(rate[k], 4)
    return rate


def _with_bw(rate: dict, bytes_per_step: float, bw_gbps: float | None) -> dict:
    """Add bytes per agent-step, the achieved GB/s and its fraction of the measured bandwidth."""
    gbps = achieved_gbps(rate["msteps_per_s"], bytes_per_step)
    rate["bytes_per_agent_step"] = round(bytes_per_step, 3)
    rate["achieved_gbps"] = round(gbps, 3)
    rate["bandwidth_fraction"] = round(gbps / bw_gbps, 4) if bw_gbps else None
    return _round(rate)


@njit(cache=True, parallel=True)
def _draws_only(state, event, seed, month):
    """The user kernel's three draws per person and nothing else (vectorizes: no branches)."""
    ka = rng.key(seed, rng.USER, month)
    kb = rng.key(seed, rng.USER_B, month)
    kc = rng.key(seed, rng.USER_C, month)
    for i in prange(state.shape[0]):
        u1 = rng.uniform(ka, i)
        u2 = rng.uniform(kb, i)
        u3 = rng.uniform(kc, i)
        event[i] = (u1 < 0.5) + 2 * (u2 < 0.5) + 4 * (u3 < 0.5)


@njit(cache=True, parallel=True)
def _stream_only(market, group, state, flags, risk, event):
    """The user kernel's memory traffic (5 byte arrays read, 4 written) and nothing else."""
    for i in prange(state.shape[0]):
        x = state[i] + market[i] + group[i] + flags[i] + risk[i]
        state[i] = x
        flags[i] = x
        risk[i] = x
        event[i] = x


def anatomy(m, reps: int = 10) -> dict:
    """What bounds the user kernel, at national size, on one thread and on all: the kernel as is (screen,
    then the rule for the flagged people), the rule for everyone (step_every_person, the kernel before the
    screen) as is and on a copy sorted by state (branches predictable), its draws alone, its memory
    traffic alone."""
    import numba

    from model.users.kernel import step_every_person, step_users

    u = m.users.people
    base = {k: getattr(u, k).copy() for k in ("market", "group", "state", "flags", "risk", "event")}
    order = np.argsort(base["state"], kind="stable")
    srt = {k: v[order].copy() for k, v in base.items()}

    def kernel(fn, c):
        return lambda: fn(c["market"], c["group"], c["state"], c["flags"], c["risk"], c["event"],
                          m.users.rates, u.peer_light, u.peer_never, u.group_size, m.seed, m.t)

    cases = {
        "step_users (as is: screen + rule for the flagged)": (kernel(step_users, base), base),
        "the rule for everyone (step_every_person)": (kernel(step_every_person, base), base),
        "the rule for everyone, on a copy sorted by state": (kernel(step_every_person, srt), srt),
        "its 3 draws alone (counter hash)": (lambda: _draws_only(base["state"], base["event"], m.seed, m.t), base),
        "its memory traffic alone (9 B/agent)": (lambda: _stream_only(base["market"], base["group"], base["state"],
                                                                      base["flags"], base["risk"], base["event"]),
                                                 base),
    }
    # every case starts from this month's arrays: the warm-up call below advances them, and the traffic
    # case writes sums of bytes into them, which are not states (the kernels would then read out of range)
    pristine = {id(c): {k: c[k].copy() for k in USERS_WRITE} for c in (base, srt)}
    out = {}
    nt0 = numba.get_num_threads()
    for nt in sorted({1, nt0}):
        numba.set_num_threads(nt)
        row = {}
        for name, (fn, cols) in cases.items():
            w = {k: cols[k] for k in USERS_WRITE}
            fn()
            for k, v in pristine[id(cols)].items():
                w[k][...] = v
            times, _ = time_restoring(fn, w, reps)
            row[name] = round(u.n / min(times) / 1e6, 1)
        out[f"{nt} thread(s), M agent-steps/s"] = row
    numba.set_num_threads(nt0)
    return out


def measure(seed: int, quick: bool, bw_gbps: float | None) -> dict:
    """Kernel vs Mesa at a size the reference path finishes in seconds; kernels at national size
    (and, unless quick, out of cache: the national population tiled)."""
    res = same_size(seed, quick, bw_gbps)
    # The reference model's Mesa agents are cyclic garbage: collect them now, not during the timed
    # repetitions below (uncollected, they slowed the 2-thread national timings by up to a third)
    gc.collect()
    log("kernels: national model (kernel path)" + (" [quick: 50,000 users]" if quick else ""))
    if quick:
        m = build("national", seed, n_users=50_000, n_farmers=5_000, base="national")
    else:
        m = build("national", seed)
    ub_d = users_bytes_per_step(m.users.people)
    fb_d = farmers_bytes_per_step(m.farmers.households, m)
    res.update(national_size(m, quick, ub_d, fb_d, bw_gbps))
    if not quick:
        res["anatomy"] = anatomy(m)
        log(f"kernels: anatomy of the user kernel: {res['anatomy']}")
        res["out_of_cache"] = out_of_cache(m, ub_d["total"], fb_d["total"], bw_gbps)
    return res


def same_size(seed: int, quick: bool, bw_gbps: float | None) -> dict:
    """Both paths on the same model and month, at a size the Mesa path finishes in seconds; the two must
    end with the same arrays."""
    from agents import Farmer, User

    ref_users, ref_farmers = (5_000, 1_000) if quick else (200_000, 20_000)
    res: dict = {}
    log(f"kernels: reference model with {ref_users} users and {ref_farmers} farmers (path='reference')")
    t0 = time.perf_counter()
    m = build("workshop", seed, path="reference", n_users=ref_users, n_farmers=ref_farmers, base="workshop")
    res["reference_model_build_and_first_month_s"] = round(time.perf_counter() - t0, 2)
    ub = users_bytes_per_step(m.users.people)["total"]
    fb = farmers_bytes_per_step(m.farmers.households, m)["total"]
    reps_ref = 1 if quick else 3
    k_u, k_after = time_kernel(users_call(m), reps=10 if quick else 30)
    r_u, r_after = time_reference(m, User, users_args(m)[1], reps_ref)
    agree_u = all(np.array_equal(k_after[k], r_after[k]) for k in k_after)
    k_f, kf_after = time_kernel(farmers_call(m), reps=10 if quick else 50)
    r_f, rf_after = time_reference(m, Farmer, farmers_args(m)[1], reps_ref)
    agree_f = all(np.array_equal(kf_after[k], rf_after[k]) for k in kf_after)
    res["same_size"] = {
        "users": {"kernel": _with_bw(k_u, ub, bw_gbps), "mesa": _with_bw(r_u, ub, bw_gbps),
                  "ratio": round(k_u["msteps_per_s"] / r_u["msteps_per_s"], 1), "paths_agree": agree_u},
        "farmers": {"kernel": _with_bw(k_f, fb, bw_gbps), "mesa": _with_bw(r_f, fb, bw_gbps),
                    "ratio": round(k_f["msteps_per_s"] / r_f["msteps_per_s"], 1), "paths_agree": agree_f},
    }
    log(f"kernels: users kernel {k_u['msteps_per_s']:.1f} M/s vs Mesa {r_u['msteps_per_s']:.3f} M/s "
        f"(x{res['same_size']['users']['ratio']}, agree={agree_u}); farmers kernel {k_f['msteps_per_s']:.1f} M/s "
        f"vs Mesa {r_f['msteps_per_s']:.3f} M/s (x{res['same_size']['farmers']['ratio']}, agree={agree_f})")
    return res


def national_size(m, quick: bool, ub_d: dict, fb_d: dict, bw_gbps: float | None) -> dict:
    """The kernels on the national model: alone, and paired with the copy in the same moment."""
    reps = 10 if quick else 30
    before = users_args(m)[1]
    before = {k: v.copy() for k, v in before.items()}
    nat_u, after = time_kernel(users_call(m), reps)
    acted = after["event"] != 0
    for k in ("state", "flags", "risk"):
        acted |= after[k] != before[k]
    ub_strict = users_bytes_moved(m.users.people, m.users.rates, int(acted.sum()))
    nat_f, _ = time_kernel(farmers_call(m), reps=3 * reps)
    users_strict = _with_bw(dict(nat_u), ub_strict["total"], bw_gbps)  # from nat_u before _with_bw rounds it
    res: dict = {}
    log("kernels: paired rounds (the copy, then each kernel, in the same moment)")
    res["paired"] = paired.timed_rounds(m, quick, {"users": ("users", ub_d["total"]),
                                                   "users_strict": ("users", ub_strict["total"]),
                                                   "farmers": ("farmers", fb_d["total"])})
    sh = res["paired"]["shares"]
    log(f"kernels: paired rounds: users {100 * sh['users_strict']['median']:.1f}% by bytes moved "
        f"({100 * sh['users_strict']['min']:.1f}-{100 * sh['users_strict']['max']:.1f}%), farmers "
        f"{100 * sh['farmers']['median']:.1f}%, copy {res['paired']['copy_gbps']}")
    res["national"] = {"users": _with_bw(nat_u, ub_d["total"], bw_gbps),
                       "users_strict": users_strict,
                       "users_bytes_moved": ub_strict,
                       "farmers": _with_bw(nat_f, fb_d["total"], bw_gbps),
                       "helpers": _helpers(m, reps),
                       "users_bytes": ub_d, "farmers_bytes": fb_d}
    log(f"kernels: national users {nat_u['msteps_per_s']:.1f} M/s = {nat_u['achieved_gbps']:.2f} GB/s; "
        f"farmers {nat_f['msteps_per_s']:.1f} M/s = {nat_f['achieved_gbps']:.2f} GB/s")
    return res


def out_of_cache(m, ub: float, fb: float, bw_gbps: float | None) -> dict:
    """The kernels on the national population repeated (the 32 MiB L3 holds the national arrays)."""
    tu, tf = 16, 64
    log(f"kernels: out of cache: users x{tu} = {m.users.people.n * tu:,}, farmers x{tf} = {m.farmers.households.n * tf:,}")
    big_u, _ = time_kernel(users_call(m, tile=tu), reps=10)
    big_f, _ = time_kernel(farmers_call(m, tile=tf), reps=10)
    res = {"users": _with_bw(big_u, ub, bw_gbps),
           "farmers": _with_bw(big_f, fb, bw_gbps),
           "note": "national population tiled; same rules, rates and draws' key"}
    log(f"kernels: out of cache users {big_u['msteps_per_s']:.1f} M/s = {big_u['achieved_gbps']:.2f} GB/s; "
        f"farmers {big_f['msteps_per_s']:.1f} M/s = {big_f['achieved_gbps']:.2f} GB/s")
    return res

"""The cards' parameter band (viz/band.py, viz/band_worker.py): its pairs, its numbers against the command
line's draws, a draw that cannot be calibrated, and the button on the page (no browser; the browser test is
in tests/test_app_guided.py). The runs are at the 'tiny' scale over a few months."""

from __future__ import annotations

import threading
import time

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara

from experiments.backends import SerialExecutor
from experiments.draws import LEVERS, DrawPlan, draw_values, uncertain_parameters
from experiments.intervals import two_intervals
from experiments.runner import run_scenarios
from model.params import PARAMS
from viz import band, band_worker
from viz.presets import card
from viz.state import Session, Snapshot
from viz.summary import OUTCOMES, per_seed

PRESET = "tiny"
FIXED = "precursor.escape_share"  # graded L: drawn unless the policy sets it


def _request(months: int = 2, n: int = 2, seeds=(1, 2), params: dict | None = None) -> band.BandRequest:
    s = Session(preset=PRESET, seed=seeds[0], n_seeds=len(seeds))
    s.apply_card(card("reform_package"))
    req = s.band_request()
    policy = {**req.policy, "params": dict(params or {})}
    return band.BandRequest(PRESET, tuple(seeds), months, policy, DrawPlan(n))


def _serial(req: band.BandRequest) -> band.BandResult:
    return band_worker.compute(req, lambda done, total: None, lambda: False, SerialExecutor())


def test_pairs_share_draw_and_seed_and_the_policy_keeps_its_levers_and_parameters():
    req = _request(n=3, seeds=(4, 5), params={FIXED: 0.2})
    assert FIXED in uncertain_parameters() and PARAMS[FIXED].grade == "L"
    ps = band.pairs(req)
    assert [(p.draw, p.seed) for p in ps] == [(k, s) for k in (1, 2, 3) for s in (4, 5)]
    reform = card("reform_package")
    for p in ps:
        drawn = draw_values(p.draw)  # experiments/draws.py's draw k: the command line's, not a second sampler
        assert p.status_quo["params"] == drawn  # the status quo: every uncertain parameter drawn
        # the policy: the same draw, but the parameter it sets itself stays its own in every draw
        assert p.policy["params"] == {**drawn, FIXED: 0.2}
        assert p.status_quo["params"][FIXED] != 0.2
        # a lever is the policy's in every draw, and never a drawn parameter
        assert all(p.policy["policy"]["budget"][k] == reform.budget[k] for k in reform.budget)
        assert p.policy["policy"]["countries"] == reform.countries
        assert not LEVERS & set(p.policy["params"]) and not LEVERS & set(p.status_quo["params"])
        assert p.policy["months"] == p.status_quo["months"] == req.months
    assert len({p.status_quo["params"][FIXED] for p in ps}) == 3  # redrawn for the status quo, draw by draw


def test_the_band_is_the_command_lines_paired_draws_and_the_same_twice():
    """The band's runs (a copy of a cached burned-in model per draw and seed, in the worker) give the
    numbers of ``drugmarket compare --draws`` (model.simulate per scenario, draw and seed), and a second
    computation (from the worker's caches) gives the same band."""
    req = _request(months=2, n=2, seeds=(1, 2))
    first = _serial(req)
    assert first.draws_used == [1, 2] and not first.draws_failed
    ps = band.pairs(req)
    undrawn = [band.status_quo_dict(PRESET, 2), {**ps[0].policy, "params": req.policy["params"]}]
    report = run_scenarios(undrawn, [1, 2], draws=req.plan, backend="serial")
    df = report.results()
    cols = [c for c in df.columns if c not in ("task_id", "scenario", "draw", "seed", "month")]
    arm = {}
    for name, key in (("status-quo", "status_quo"), ("page-policy", "policy")):
        runs = df[df["scenario"] == name].sort_values(["draw", "seed", "month"])
        arm[key] = {c: runs[c].to_numpy(float).reshape(4, 2) for c in cols}
    snap = Snapshot(0, 2, [1, 2, 1, 2], arm["policy"], arm["status_quo"], cols, {}, [])
    draws = pd.Series([1, 1, 2, 2])
    for key, *_ in OUTCOMES:
        pol, sq = per_seed(snap, key)
        iv = two_intervals(pd.Series(pol - sq), draws)
        b = first.bands[key]
        assert (b.low, b.high, b.n_draws) == pytest.approx((iv["param_low"], iv["param_high"], 2)), key
    again = _serial(req)
    assert {k: (b.low, b.high, b.lower, b.higher) for k, b in again.bands.items()} == \
        {k: (b.low, b.high, b.lower, b.higher) for k, b in first.bands.items()}


def _fake_run(effect: float, months: int = 3) -> dict:
    sq = {"overdose_deaths": np.full(months, 10.0)}
    return {"status_quo": sq, "policy": {"overdose_deaths": np.full(months, 10.0 + effect / months)}}


def test_band_summary_pairs_by_draw_and_leaves_out_a_draw_that_failed():
    """Per-draw means over the seeds, their 5%-95% range, and a failed draw left out of both arms."""
    req = band.BandRequest(PRESET, (1, 2), 3, {}, DrawPlan(4))
    ps = [band.Pair(k, s, {}, {}) for k in (1, 2, 3, 4) for s in (1, 2)]
    effects = {1: (-10, -20), 2: (-30, -30), 3: (None, None), 4: (5, 15)}  # draw 3 cannot be calibrated
    runs = [{"error": "WorldError: no"} if effects[p.draw][0] is None else _fake_run(effects[p.draw][p.seed - 1])
            for p in ps]
    r = band.summarize(req, ps, runs)
    assert r.draws_used == [1, 2, 4] and list(r.draws_failed) == [3]
    b = r.bands["overdose_deaths"]
    q = np.quantile([-15.0, -30.0, 10.0], [0.05, 0.95])
    assert (b.low, b.high) == pytest.approx(tuple(q))
    assert (b.n_draws, b.lower, b.higher) == (3, 2, 1)


def test_a_moved_lever_or_other_seeds_ask_another_question_and_more_months_the_same():
    s = Session(preset=PRESET, seed=1, n_seeds=1)
    s.step(1)
    asked = s.band_request()
    s.step(1)
    assert asked.same_question(s.band_request()) and s.band_request().months == 2
    s.set_budget("treatment", 2e9)
    assert not asked.same_question(s.band_request())
    s.set_budget("treatment", asked.policy["policy"]["budget"]["treatment"])
    assert asked.same_question(s.band_request())
    s.reset(seed=3)
    assert not asked.same_question(s.band_request())


def test_a_cancelled_band_stops_before_its_next_pair():
    req = _request(months=1, n=2, seeds=(1,))
    done = []
    stop = threading.Event()

    def progress(d, total):
        done.append(d)
        if d == 1:
            stop.set()

    assert band_worker.compute(req, progress, stop.is_set, SerialExecutor()) is None
    assert done == [0, 1]


def _widgets(w, out=None) -> list:
    """Every widget under ``w`` (the reacton finder does not descend into solara's Row and GridFixed)."""
    out = [] if out is None else out
    out.append(w)
    for ch in getattr(w, "children", None) or []:
        if hasattr(ch, "keys"):  # a widget, not text
            _widgets(ch, out)
    return out


def _html(box, testid):
    found = [w for w in _widgets(box) if isinstance(w, v.Html) and (w.attributes or {}).get("data-testid") == testid]
    assert len(found) == 1, testid
    return found[0]


def _wait_state(box, state: str, timeout: float):
    """Wait for the band's status to reach ``state`` (a state, not a time: the timeout only stops a hang)."""
    deadline = time.monotonic() + timeout
    while _html(box, "band-status").attributes["data-state"] != state:
        assert time.monotonic() < deadline, _html(box, "band-status").children
        time.sleep(0.1)


def _line(box, testid) -> str:
    return _html(box, testid).children[0].children[0]


def test_the_button_adds_the_parameter_band_to_every_card_and_a_lever_drops_it(monkeypatch):
    from viz.components import WorkshopSession

    monkeypatch.setattr(band_worker, "worker_pool", SerialExecutor)  # the runs in this process
    monkeypatch.setattr(band, "PLAN", DrawPlan(2))
    s = Session(preset=PRESET, seed=1, n_seeds=1)
    box, rc = solara.render(WorkshopSession(s, sidebar=False), handle_error=False)
    rc.find(v.Btn, children=["Precursor regime"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "not computed yet" in _line(box, "band-overdose_deaths")
    assert _html(box, "band-status").attributes["data-state"] == "idle"
    [button] = [w for w in _widgets(box) if isinstance(w, v.Btn) and (w.attributes or {}).get("data-testid") ==
                "band-button"]
    button.click()
    _wait_state(box, "ready", 600)
    for key, *_ in OUTCOMES:
        assert _html(box, f"band-{key}").attributes["data-param"] == "ready"
        assert "chance: " in _line(box, f"band-{key}") and "; parameters: " in _line(box, f"band-{key}")
        assert "draws" in _html(box, f"pband-{key}").children[0]
    assert "2 draws of the uncertain inputs over months 1-1" in _html(box, "band-status").children[0]
    rc.find(v.Slider, attributes={"data-testid": "slider-treatment"}).widget.v_model = 3000
    _wait_state(box, "idle", 60)
    assert _html(box, "band-overdose_deaths").attributes["data-param"] == "none"

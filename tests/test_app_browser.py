"""The workshop app in a real browser: Debian's Chromium driven by Playwright: what the page must show and do.

Each module starts ``drugmarket app`` as a subprocess on a free loopback port and
stops it (its whole process group) at the end. Screenshots go to the folder in
DRUGMARKET_SCREENSHOTS if set (a CI artifact folder), else to a pytest temporary
directory (printed at the end); one is copied to docs/img/app.png for the README. No request may leave 127.0.0.1: every other one is blocked and
makes the test fail (the page must work offline).

Needs ``apt-get install chromium`` and ``pip install playwright pytest-playwright``
(never ``playwright install``). Without them the tests are skipped, except under
CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from viz.process import stop_process_group

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).absolute().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1600, "height": 1000}
LOAD_TIMEOUT = 180_000   # ms: the first page waits for the burn-in (and numba on a cold cache)
STEP_TIMEOUT = 60_000
README_SHOT = ROOT / "docs" / "img" / "app.png"  # retaken only with DRUGMARKET_README_SHOT=1 (make screenshot)


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"browser tests need {reason} (CI must install it)")
    pytest.skip(f"browser tests need {reason}")


try:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # a loaded 2-core machine: wait generously for what the page shows
except ImportError:  # pragma: no cover
    sync_playwright = None


# --------------------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """``drugmarket app`` in its own process group, with its log in ``log``."""

    def __init__(self, tmp: Path, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = tmp / f"server-{self.port}.log"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        env.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "drugmarket" / "numba"))
        self._fh = open(self.log, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "app", "--port", str(self.port), *args],
                                     cwd=ROOT, env=env, stdout=self._fh, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=3)
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise RuntimeError(f"drugmarket app did not start:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.3)

    def alive(self) -> bool:
        try:
            return self.proc.poll() is None and urllib.request.urlopen(self.url, timeout=10).status == 200
        except OSError:
            return False

    def stop(self) -> None:
        stop_process_group(self.proc)  # the app and its children
        self._fh.close()

    def log_text(self) -> str:
        self._fh.flush()
        return self.log.read_text()


def assert_clean_log(app: App) -> None:
    text = app.log_text()
    assert "Traceback" not in text, text[-4000:]
    assert "Could not load URL" not in text  # offline KaTeX and friends: no Markdown math on the page


# --------------------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def chrome():
    if sync_playwright is None:
        _missing("the playwright package")
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Screenshots: DRUGMARKET_SCREENSHOTS if set (e.g. a CI artifact folder), else a pytest temporary folder."""
    where = os.environ.get("DRUGMARKET_SCREENSHOTS")
    d = Path(where) if where else tmp_path_factory.mktemp("app-screenshots")
    d.mkdir(parents=True, exist_ok=True)
    yield d
    print(f"\nscreenshots of the app: {d}")


class Pages:
    """New pages, each in its own browser context (its own cookies: a separate browser session)."""

    def __init__(self, browser):
        self.browser = browser
        self.contexts = []
        self.outside: list[str] = []

    def new(self, url: str):
        ctx = self.browser.new_context(viewport=VIEWPORT)
        ctx.set_default_timeout(STEP_TIMEOUT)

        def route(r):
            u = r.request.url
            if u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
                r.continue_()
            else:
                self.outside.append(u)
                r.abort()

        ctx.route("**/*", route)
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.goto(url, timeout=LOAD_TIMEOUT)
        return page

    def close(self):
        for c in self.contexts:
            c.close()


@pytest.fixture()
def pages(chrome):
    ps = Pages(chrome)
    yield ps
    ps.close()
    assert not ps.outside, f"the page requested addresses outside this machine: {ps.outside[:5]}"


# --------------------------------------------------------------------------- page helpers
def wait_month(page, month: int, timeout: int = STEP_TIMEOUT) -> None:
    page.wait_for_selector(f"[data-testid=status][data-month='{month}']", timeout=timeout)


def month_of(page) -> int:
    return int(page.get_attribute("[data-testid=status]", "data-month"))


def open_workshop(pages: Pages, app: App, url: str | None = None):
    page = pages.new(url or app.url)
    page.wait_for_selector("[data-testid=status]", timeout=LOAD_TIMEOUT)
    page.wait_for_selector("button[data-testid=step]", timeout=STEP_TIMEOUT)
    return page


def step(page, n: int = 1) -> None:
    m = month_of(page)
    button = "step12" if n == 12 else "step"
    for i in range(1 if n == 12 else n):
        page.click(f"button[data-testid={button}]:not([disabled])")
        wait_month(page, m + (12 if n == 12 else i + 1))


def chart_series(page, key: str, months: int | None = None) -> dict[str, list]:
    """The data an ECharts chart of the page plots: series name -> values (from the widget's option).
    ``months``: wait until every series has that many points (the chart is redrawn after the status line)."""
    sel = f"[data-testid=chart-{key}] .solara-echarts"
    page.wait_for_selector(sel)
    n = "null" if months is None else int(months)
    page.wait_for_function(f"""() => {{ const el = document.querySelector({json.dumps(sel)});
        if (!(el && el.__vue__ && el.__vue__.chart && el.__vue__.option && el.__vue__.option.series)) return false;
        const series = el.__vue__.chart.getOption().series;
        return {n} === null || (series.length > 0 && series.every(s => s.data && s.data.length === {n})); }}""")
    return page.evaluate(f"""() => {{
        const vm = document.querySelector({json.dumps(sel)}).__vue__;
        const out = {{}};
        for (const s of vm.chart.getOption().series) out[s.name] = s.data;
        return out; }}""")


def text(page, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]")


def forge(page, selector: str, value) -> None:
    """Send ``value`` as the widget's new value through its own channel (the Vue component's input event),
    as a tampered browser could, whatever the widget would allow."""
    page.evaluate("""([sel, value]) => {
        let el = document.querySelector(sel);
        while (el && !el.__vue__) el = el.parentElement;
        let vm = el.__vue__;
        while (vm && !(vm.$options.props && ('value' in vm.$options.props || 'inputValue' in vm.$options.props)))
            vm = vm.$parent;
        vm.$emit('input', value);
        vm.$emit('change', value);
    }""", [selector, value])


def set_slider_to_max(page, testid: str) -> None:
    thumb = page.locator(f"[data-testid={testid}][role=slider]")
    thumb.focus()
    page.keyboard.press("End")


# --------------------------------------------------------------------------- the workshop page
@pytest.fixture(scope="module")
def app(tmp_path_factory):
    if sync_playwright is None:
        _missing("the playwright package")
    a = App(tmp_path_factory.mktemp("app"))
    yield a
    a.stop()


def test_page_loads_offline_with_every_control_and_view(pages, app, shots):
    page = open_workshop(pages, app)
    assert month_of(page) == 0
    assert "Month 0" in text(page, "status")
    for testid in ("step", "step12", "play", "pause", "reset", "card-status_quo", "card-rebalance_40_60",
                   "card-reform_package"):
        page.wait_for_selector(f"button[data-testid={testid}]")
    for p in ("eradication", "interdiction", "treatment", "harm_reduction", "prevention"):
        page.wait_for_selector(f"[data-testid=slider-{p}][role=slider]", state="attached")
        assert "USD" in text(page, f"budget-{p}") and "million a year" in text(page, f"budget-{p}")
    for s in ("decriminalize_possession", "alternative_development_before_eradication", "leadership_targeting",
              "precursor_scheduling"):
        page.wait_for_selector(f"[data-testid=switch-{s}]", state="attached")
    for testid in ("seed", "ensemble", "speed"):
        page.wait_for_selector(f"[data-testid={testid}][role=slider]", state="attached")
    assert "USD 5,500 million a year" in text(page, "budget-total")
    assert "Source: International Drug Policy: Solutions" in page.inner_text("body")
    step(page)
    for key in ("overdose_deaths", "sud_treatment", "retail_price", "retail_purity", "fentanyl_share", "cultivation",
                "seizures", "violence_deaths"):
        series = chart_series(page, key)
        assert series, key
    page.screenshot(path=str(shots / "01-loaded.png"))
    for label, testid in (("Map", "map"), ("Against the status quo", "scorecard"), ("The levers explained",
                                                                                   "lever-docs")):
        page.click(f"[data-testid=views] >> text={label}")
        page.wait_for_selector(f"[data-testid={testid}]")
        page.screenshot(path=str(shots / f"02-{testid}.png"))
    assert "people" in text(page, "lever-docs") or "Pays for" in text(page, "lever-docs")
    assert_clean_log(app)


def test_moving_a_budget_slider_and_stepping_changes_the_plotted_data(pages, app, shots):
    page = open_workshop(pages, app)
    step(page, 2)
    before = chart_series(page, "overdose_deaths", months=2)
    assert before["policy"] == before["status quo"]  # the status-quo levers: the same run twice
    set_slider_to_max(page, "slider-harm_reduction")
    expect(page.locator("[data-testid=budget-harm_reduction]")).to_contain_text("USD 10,000 million a year")
    expect(page.locator("[data-testid=budget-total]")).to_contain_text("USD 15,400 million a year")
    step(page, 4)
    after = chart_series(page, "overdose_deaths", months=6)
    assert len(after["policy"]) == 6 and after["policy"][:2] == before["policy"]
    assert after["policy"][2:] != after["status quo"][2:]
    assert sum(after["policy"][2:]) < sum(after["status quo"][2:])  # naloxone: fewer deaths
    page.click("[data-testid=views] >> text=Against the status quo")
    expect(page.locator("[data-testid=scorecard]")).to_contain_text("Overdose deaths")
    assert "harm_reduction: USD 10,000 million a year" in text(page, "changes")
    page.screenshot(path=str(shots / "03-slider-moved.png"))
    assert_clean_log(app)


def test_presets_apply(pages, app, shots):
    page = open_workshop(pages, app)
    page.click("button[data-testid=card-rebalance_40_60]")
    expect(page.locator("[data-testid=active-card]")).to_contain_text("40/60 rebalancing")
    expect(page.locator("[data-testid=budget-total]")).to_contain_text("supply side 40%")
    expect(page.locator("[data-testid=budget-interdiction]")).to_contain_text("USD 1,375 million a year")
    page.click("button[data-testid=card-reform_package]")
    expect(page.locator("[data-testid=active-card]")).to_contain_text("Full reform package")
    expect(page.locator("input[data-testid=switch-decriminalize_possession]")).to_be_checked()
    expect(page.locator("input[data-testid=switch-alternative_development_before_eradication]")).to_be_checked()
    expect(page.locator("[data-testid=budget-alternative_development]")).to_contain_text("USD 1,000 million")
    step(page, 12)
    expect(page.locator("[data-testid=changes]")).to_contain_text("policy card: Full reform package")
    page.wait_for_timeout(1500)  # let ECharts paint
    page.screenshot(path=str(shots / "04-reform-package.png"))
    if os.environ.get("DRUGMARKET_README_SHOT") == "1":  # a test run leaves the tracked tree as it found it
        shutil.copyfile(shots / "04-reform-package.png", README_SHOT)
    page.click("button[data-testid=card-status_quo]")
    expect(page.locator("[data-testid=budget-total]")).to_contain_text("supply side 80%")
    expect(page.locator("input[data-testid=switch-decriminalize_possession]")).not_to_be_checked()
    assert_clean_log(app)


def test_step_play_pause_and_reset_work(pages, app):
    page = open_workshop(pages, app)
    step(page, 3)
    page.click("button[data-testid=play]")
    page.wait_for_function("() => +document.querySelector('[data-testid=status]').dataset.month >= 5",
                           timeout=STEP_TIMEOUT)
    page.click("button[data-testid=pause]:not([disabled])")
    page.wait_for_selector("button[data-testid=step]:not([disabled])")
    # pause stops the clock. Playing fast, the page is redrawn at most twice a second (viz/play.py), so the
    # months stepped since the last redraw, and a month being computed when Pause was pressed (the play loop's
    # thread is not interrupted mid-step), land after it; then nothing more
    paused = month_of(page)
    page.wait_for_timeout(1500)
    settled = month_of(page)
    assert paused <= settled
    page.wait_for_timeout(1500)
    assert month_of(page) == settled
    # a new seed applies at Reset
    set_slider_to_max(page, "seed")
    expect(page.locator("[data-testid=seed][role=slider]")).to_have_attribute("aria-valuenow", "999")
    page.click("button[data-testid=reset]")
    wait_month(page, 0, timeout=LOAD_TIMEOUT)
    expect(page.locator("[data-testid=status]")).to_contain_text("seeds 999-1000", timeout=LOAD_TIMEOUT)
    step(page)
    assert month_of(page) == 1
    assert_clean_log(app)


def test_two_browser_sessions_keep_separate_models(pages, app, shots):
    a = open_workshop(pages, app)
    b = open_workshop(pages, app)
    a.click("button[data-testid=card-harm_reduction]")
    expect(a.locator("[data-testid=active-card]")).to_contain_text("Harm reduction fund")
    step(a, 3)
    assert month_of(b) == 0
    expect(b.locator("[data-testid=active-card]")).to_contain_text("Status quo")
    step(b, 1)
    assert month_of(a) == 3 and month_of(b) == 1
    a_series = chart_series(a, "overdose_deaths", months=3)
    b_series = chart_series(b, "overdose_deaths", months=1)
    assert len(a_series["policy"]) == 3 and len(b_series["policy"]) == 1
    assert b_series["policy"] == b_series["status quo"]  # b never saw a's policy
    a.click("button[data-testid=reset]")
    wait_month(a, 0, timeout=LOAD_TIMEOUT)
    assert month_of(b) == 1
    a.screenshot(path=str(shots / "05-session-a.png"))
    b.screenshot(path=str(shots / "05-session-b.png"))
    assert_clean_log(app)


def test_no_input_from_the_page_crashes_the_server(pages, app):
    """Forge what the widgets could never send, through the widgets' own channel (Vue emits)."""
    page = open_workshop(pages, app)

    def emit(selector: str, value) -> None:
        forge(page, selector, value)

    for value in ("abc", None, -1e300, 1e300, [1, 2], {"x": "../../etc/passwd"}, "NaN", True):
        emit("[data-testid=slider-treatment][role=slider]", value)
        page.wait_for_timeout(150)
    for value in (17, -3, "class", None, 2.5):
        emit("[data-testid=switch-precursor_scheduling]", value)
    for value in (99, "x", None):
        emit("[data-testid=views]", value)
    for value in ("/etc", 1e9, None):
        emit("[data-testid=seed][role=slider]", value)
    page.wait_for_timeout(500)
    # the page still answers and the levers hold valid values
    budget = text(page, "budget-treatment")
    assert "USD" in budget and "million a year" in budget
    assert any(s in text(page, "budget-treatment") for s in ("USD 0 million", "USD 50,000 million", "USD 450 million"))
    page.click("button[data-testid=reset]")
    wait_month(page, 0, timeout=LOAD_TIMEOUT)
    step(page)
    assert app.alive()
    other = open_workshop(pages, app)  # and serves a new session
    assert month_of(other) == 0
    assert_clean_log(app)


def _wait_log(app: App, needle: str, count: int, seconds: float) -> str:
    deadline = time.time() + seconds
    while True:
        text = app.log_text()
        if text.count(needle) >= count or time.time() > deadline:
            return text
        time.sleep(0.5)


def test_closed_sessions_free_their_models(pages, tmp_path):
    """A closed tab frees its session at once (solara's close beacon); a browser that vanishes without
    the beacon is freed by the cull (--cull-after); an open session is kept and goes on stepping.

    The page's own pagehide handler runs and asks for the beacon; the test then sends the request that
    beacon carries. Headless Chromium queues beacons and may never send them: sendBeacon returned true
    and no request reached the server in 30 s in 7 of 8 idle trials. Delivering beacons is the browser's
    part; freeing on the close request is ours. The cull waits two minutes, so a session freed within
    half of that was freed by the close request, however loaded the machine."""
    app = App(tmp_path, "--cull-after", "120s")
    try:
        tab = open_workshop(pages, app)
        vanishing = pages.new(app.url + "?solara-no-close-beacon")  # solara's own switch: no beacon
        vanishing.wait_for_selector("button[data-testid=step]", timeout=LOAD_TIMEOUT)
        staying = open_workshop(pages, app)
        for p in (tab, vanishing, staying):
            step(p, 2)
        freed = "closed: freed 1 session(s), 2 model(s)"
        assert freed not in app.log_text()
        # Run the page's own pagehide handler with sendBeacon recorded, then send what it asked for.
        beacons = tab.evaluate("""() => {
            const sent = [];
            navigator.sendBeacon = (url) => { sent.push(url); return true; };
            window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}));
            return sent;
        }""")
        assert len(beacons) == 1 and beacons[0].startswith("/_solara/api/close/"), beacons
        urllib.request.urlopen(urllib.request.Request(app.url.rstrip("/") + beacons[0], data=b"", method="POST"),
                               timeout=30)
        text = _wait_log(app, freed, 1, 60.0)  # well before the cull could have done it
        assert text.count(freed) == 1, text[-3000:]
        tab.close()
        vanishing.context.close()
        text = _wait_log(app, freed, 2, 300.0)
        assert text.count(freed) == 2, text[-3000:]
        # the census logged 3 s after that close counts only what is still open
        n = text.count("census:")
        deadline = time.time() + 20
        while app.log_text().count("census:") == n and time.time() < deadline:
            time.sleep(0.5)
        last = app.log_text().split("census:")[-1].splitlines()[0]
        # 2 templates, the 2 seeds' shared status quo runs, the open session's 2 policy models
        assert ("sessions open 1, Session objects alive 1, models alive 6 (templates 2, shared status quo runs 2, "
                "in open sessions 2)") in last, \
            app.log_text()[-3000:]
        step(staying, 1)
        assert month_of(staying) == 3
        assert_clean_log(app)
    finally:
        app.stop()


# --------------------------------------------------------------------------- the results explorer
@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    """A small real sweep (and a comparison) at the 'tiny' scale, written by experiments."""
    from experiments.compare import compare
    from experiments.sweep import run_sweep, sweep_from_dict
    from model.scenario import Scenario, scenario_from_dict

    root = tmp_path_factory.mktemp("results")
    spec = sweep_from_dict({
        "name": "small-sweep", "design": "morris", "samples": 2, "replicates": 2, "sample_seed": 1,
        "base": {"name": "base", "preset": "tiny", "months": 6, "params": {"sim.burn_in_months": 6}},
        "factors": {"policy.budget.treatment": {"low": 2e8, "high": 4e9, "log": True},
                    "policy.budget.harm_reduction": {"low": 2e7, "high": 2e9, "log": True}},
        "outputs": {"overdose_deaths": "mean_last_12", "violence_deaths": "sum"},
    })
    run_sweep(spec, out=root / "sweep", backend="serial", figure=False)
    base = Scenario(name="status-quo", preset="tiny", months=6)
    more = scenario_from_dict({"name": "harm-reduction", "preset": "tiny", "months": 6,
                               "policy": {"budget": {"harm_reduction": 2e9}}})
    compare(base, [more], seeds=2, backend="serial", out=root / "compare", figure=False)
    return root


@pytest.fixture(scope="module")
def explorer_app(tmp_path_factory, results_dir):
    if sync_playwright is None:
        _missing("the playwright package")
    a = App(tmp_path_factory.mktemp("explorer"), "--results", str(results_dir))
    yield a
    a.stop()


def test_explorer_shows_a_sweeps_sensitivity_indices_and_a_scenario_comparison(pages, explorer_app, shots):
    page = pages.new(explorer_app.url)
    page.wait_for_selector("[data-testid=explorer-summary]", timeout=LOAD_TIMEOUT)
    assert "drugmarket compare" in text(page, "explorer-summary")  # the first result set
    page.click(".v-select:has([data-testid=result-set]) .v-select__slot")
    page.click(".v-menu__content .v-list-item >> text=sweep")
    expect(page.locator("[data-testid=explorer-summary]")).to_contain_text("drugmarket sweep")
    expect(page.locator("[data-testid=explorer-summary]")).to_contain_text("morris")
    page.wait_for_selector("[data-testid=explorer-timeseries] img")
    page.screenshot(path=str(shots / "06-explorer-timeseries.png"))
    page.click("[data-testid=explorer-views] >> text=Sensitivity")
    table = page.locator("[data-testid=sensitivity-table]")
    expect(table).to_contain_text("mu_star")
    expect(table).to_contain_text("budget treatment")
    expect(table).to_contain_text("budget harm_reduction")
    page.wait_for_selector("[data-testid=explorer-sensitivity] img")
    page.screenshot(path=str(shots / "07-explorer-sensitivity.png"), full_page=True)
    page.click("[data-testid=explorer-views] >> text=Scenarios")
    cmp = page.locator("[data-testid=compare-table]")
    expect(cmp).to_contain_text("overdose deaths averted")
    expect(cmp).to_contain_text("row 1")
    page.wait_for_selector("[data-testid=explorer-compare] img")
    page.screenshot(path=str(shots / "08-explorer-scenarios.png"), full_page=True)
    for label, testid in (("Distribution", "explorer-distribution"), ("Response to levers", "explorer-response")):
        page.click(f"[data-testid=explorer-views] >> text={label}")
        page.wait_for_selector(f"[data-testid={testid}] img")
    # the comparison folder: its own compare.csv
    page.click(".v-select:has([data-testid=result-set]) .v-select__slot")
    page.click(".v-menu__content .v-list-item >> text=compare")
    page.click("[data-testid=explorer-views] >> text=Scenarios")
    expect(page.locator("[data-testid=compare-table]")).to_contain_text("harm-reduction")
    assert_clean_log(explorer_app)


def _image(page, testid: str) -> str:
    """The bytes (base64) of the PNG the figure under ``testid`` shows, once it is there (the img's src is a
    new blob: address at every draw, so the image itself is compared)."""
    page.wait_for_selector(f"[data-testid={testid}] img")
    return page.evaluate("""async (sel) => {
        const img = document.querySelector(sel);
        const buf = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
        let s = '';
        for (let i = 0; i < buf.length; i += 8192) s += String.fromCharCode(...buf.subarray(i, i + 8192));
        return btoa(s);
    }""", f"[data-testid={testid}] img")


def test_explorer_time_series_and_distribution_tabs_show_different_figures(pages, explorer_app, shots):
    page = pages.new(explorer_app.url)
    page.wait_for_selector("[data-testid=explorer-summary]", timeout=LOAD_TIMEOUT)
    series = _image(page, "explorer-timeseries")
    page.click("[data-testid=explorer-views] >> text=Distribution")
    dist = _image(page, "explorer-distribution")
    assert dist and series and dist != series
    page.screenshot(path=str(shots / "09-explorer-distribution.png"))
    page.click("[data-testid=explorer-views] >> text=Time series")
    assert _image(page, "explorer-timeseries") == series  # and back: the time series again, not the last figure
    assert_clean_log(explorer_app)


def test_the_explorer_cannot_open_other_folders(pages, explorer_app):
    page = pages.new(explorer_app.url)
    page.wait_for_selector("[data-testid=explorer-summary]", timeout=LOAD_TIMEOUT)
    forge(page, "[data-testid=result-set]", "/etc")
    expect(page.locator("[data-testid=messages]")).to_contain_text("Ignored")
    assert "/etc" not in text(page, "explorer-summary")
    # the workshop is one tab away in the same server
    page.click("[data-testid=top-tabs] >> text=Workshop")
    page.wait_for_selector("[data-testid=status]", timeout=LOAD_TIMEOUT)
    assert explorer_app.alive()
    assert_clean_log(explorer_app)

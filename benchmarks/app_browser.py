"""The browser side of the load test: Debian's Chromium and its flags, and one simulated participant (a
browser session that loads the workshop page and clicks Step at its own pace, counting what goes wrong)."""

from __future__ import annotations

import os
import random
import re
import time

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1600, "height": 1000}   # as tests/test_app_browser.py
LOAD_TIMEOUT = 300_000                        # ms: the first page waits for the burn-in
STEP_SEL = "button[data-testid=step]:not([disabled])"
NOISE = re.compile(r"katex|jsdelivr|unpkg|cdn|fonts\.g|Failed to load resource: net::ERR_FAILED", re.I)

# the page's state in one round trip: month, Step enabled, and any error shown on the page
PROBE = """() => {
    const s = document.querySelector('[data-testid=status]');
    const b = document.querySelector('button[data-testid=step]');
    const alerts = [...document.querySelectorAll('.v-alert.error, .v-alert.warning')].map(e => e.innerText.trim());
    const body = document.body ? document.body.innerText : '';
    if (body.includes('Traceback')) alerts.push('Traceback on the page');
    return {month: s ? +s.dataset.month : null, enabled: !!b && !b.disabled, alerts: alerts};
}"""


class Session:
    """One participant: its own browser context (cookies, so its own solara session and models), a page
    whose requests may go to 127.0.0.1 only (others are blocked and listed in ``outside``), and its steps,
    their latencies and its errors (counted by kind in ``errors``, which all sessions of a round share)."""

    def __init__(self, i: int, browser, url: str, errors: dict, outside: list):
        self.i = i
        self.ctx = browser.new_context(viewport=VIEWPORT)
        self.ctx.set_default_timeout(30_000)
        self.errors = errors
        self.month = 0
        self.expect: int | None = None       # the month a pending step should show
        self.clicked = 0.0
        self.steps = 0
        self.latencies: list[float] = []
        self.next_at = 0.0
        self.loaded = False

        def route(r):
            u = r.request.url
            if u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
                r.continue_()
            else:
                outside.append(u)
                r.abort()

        self.ctx.route("**/*", route)
        self.page = self.ctx.new_page()
        self.page.on("pageerror", lambda e: self.count_error("page_errors", str(e)))
        self.page.on("console", self._console)
        self.url = url

    def count_error(self, kind: str, text: str) -> None:
        self.errors[kind].append(f"session {self.i}: {text}"[:500])

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        if NOISE.search(msg.text):
            self.errors["console_noise"].append(f"session {self.i}: {msg.text}"[:300])
        else:
            self.count_error("console_errors", msg.text)

    def load(self) -> None:
        self.page.goto(self.url, timeout=LOAD_TIMEOUT)
        self.page.wait_for_selector("[data-testid=status]", timeout=LOAD_TIMEOUT)
        self.page.wait_for_selector(STEP_SEL, timeout=LOAD_TIMEOUT)
        self.month = int(self.page.get_attribute("[data-testid=status]", "data-month"))
        self.loaded = True

    def poll(self, now: float, pace: tuple[float, float], step_timeout: float) -> None:
        """Check a pending step; click Step when due. Never blocks for long."""
        st = self.page.evaluate(PROBE)
        if st["alerts"]:
            self.count_error("page_messages", " | ".join(st["alerts"]))
        m = st["month"]
        if self.expect is not None:
            if m is not None and m >= self.expect:
                self.latencies.append(now - self.clicked)
                self.steps += 1
                self.month, self.expect = m, None
                self.next_at = now + random.uniform(*pace)
            elif now - self.clicked > step_timeout:
                self.count_error("failed_steps", f"month {m} did not reach {self.expect} in {step_timeout:.0f} s")
                self.month, self.expect = (m if m is not None else self.month), None
                self.next_at = now + random.uniform(*pace)
            return
        if now < self.next_at or not st["enabled"]:
            return
        try:
            self.page.click(STEP_SEL, timeout=5_000)
        except Exception as e:  # noqa: BLE001 - counted, and the load goes on
            self.count_error("failed_clicks", f"{type(e).__name__}: {str(e).splitlines()[0]}")
            self.next_at = now + random.uniform(*pace)
            return
        self.clicked, self.expect = time.time(), self.month + 1

    def close_page(self) -> None:
        """Close the tab: its pagehide handler sends solara's close beacon."""
        try:
            if not self.page.is_closed():
                self.page.close()
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        """Close the browser context (what is left of it)."""
        try:
            self.ctx.close()
        except Exception:  # noqa: BLE001
            pass


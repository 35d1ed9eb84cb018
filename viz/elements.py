"""Page elements the workshop and the results explorer share: the style sheet, paragraphs, tables of text,
the message slot, and handlers that show bad input as a message instead of failing.

No Markdown here: text goes out as plain HTML elements (solara.Markdown would
make the server fetch KaTeX from a CDN, which fails offline and clutters the log).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import solara

from viz.presets import million
from viz.validate import PageInputError

log = logging.getLogger(__name__)

CSS = """
.dm-doc { font-size: 12px; color: #555; line-height: 1.3; margin: 0 0 6px 0; }
.dm-small { font-size: 12px; color: #555; }
.dm-value { font-size: 13px; font-weight: 500; }
.dm-table { border-collapse: collapse; font-size: 13px; width: 100%; }
.dm-table th, .dm-table td { border-bottom: 1px solid #e0e0e0; padding: 4px 8px; text-align: left;
                             vertical-align: top; }
.dm-table td.num { text-align: right; white-space: nowrap; }
.dm-status { font-size: 14px; margin: 4px 0 8px 0; }
.dm-section { font-weight: 600; margin: 10px 0 2px 0; }
.dm-guide { font-size: 15px; background: #e3f2fd; border-radius: 4px; padding: 8px 12px; margin: 8px 0 4px 0; }
.dm-card { background: #fafafa; border-radius: 4px; padding: 6px 10px; }
.dm-card-title { font-size: 13px; font-weight: 600; }
.dm-card-change { font-size: 18px; font-weight: 600; }
.dm-why { font-size: 12px; color: #333; margin-top: 2px; }
.dm-lnote { font-size: 12px; color: #8a5a00; background: #fff8e1; padding: 2px 4px; margin-top: 2px; }
"""


# --------------------------------------------------------------------------- small pieces
def musd(usd: float) -> str:
    return f"USD {million(usd)} million a year"


def P(text: str, cls: str = "dm-doc", testid: str | None = None):
    return solara.v.Html(tag="p", class_=cls, children=[text], attributes={"data-testid": testid} if testid else {})


def table(headers: list[str], rows: list[list[str]], numeric: tuple[int, ...] = (), attrs: dict | None = None):
    """An HTML table of text cells (built from elements: nothing is parsed as HTML)."""
    head = solara.v.Html(tag="tr", children=[solara.v.Html(tag="th", children=[h]) for h in headers])
    body = [solara.v.Html(tag="tr", children=[
        solara.v.Html(tag="td", class_="num" if i in numeric else "", children=[str(c)]) for i, c in enumerate(r)])
        for r in rows]
    return solara.v.Html(tag="table", class_="dm-table", attributes=attrs or {},
                         children=[solara.v.Html(tag="thead", children=[head]),
                                   solara.v.Html(tag="tbody", children=body)])


def guarded(fn: Callable[..., Any], set_error: Callable[[str], None]) -> Callable[..., None]:
    """A handler that shows bad input or a failure as a message on the page instead of raising."""

    def handler(*args):
        try:
            fn(*args)
            set_error("")
        except PageInputError as e:
            set_error(f"Ignored: {e}")
        except Exception as e:  # noqa: BLE001 - nothing from the page may take the server down
            log.exception("handler %s failed", getattr(fn, "__name__", fn))
            set_error(f"Something went wrong ({type(e).__name__}); the run is unchanged. Try Reset.")

    return handler


@solara.component
def Message(warning: str = "", info: str = ""):
    """A fixed slot for messages (so that the widgets after it never shift when a message appears)."""
    with solara.Div(attributes={"data-testid": "messages"}):
        if warning:
            solara.Warning(warning, dense=True)
        if info:
            solara.Info(info, dense=True)

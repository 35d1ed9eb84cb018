"""Input widgets whose every value from the browser goes to the app's validating handler first.

solara.SliderInt, solara.ToggleButtonsSingle and friends convert the browser's value
themselves (``int(value)``, ``values[index]``) before any handler of ours sees it, so
a forged value raises inside solara. These thin wrappers around the same ipyvuetify
widgets pass the raw value on untouched; the handlers (viz/components.py,
viz/controls.py, viz/views.py, viz/explorer.py) validate it with viz/validate.py.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import solara

rv = solara.v


@solara.component
def IntSlider(label: str, value: int, on_value: Callable[[Any], None], *, min: int, max: int, step: int = 1,
              thumb_label: bool = True, testid: str | None = None):
    """A whole-number slider; the raw value goes to ``on_value``."""
    return rv.Slider(v_model=int(value), on_v_model=on_value, label=label, min=min, max=max, step=step,
                     thumb_label=thumb_label, hide_details=True, dense=False,
                     attributes={"data-testid": testid} if testid else {})


@solara.component
def Toggle(label: str, value: bool, on_value: Callable[[Any], None], *, testid: str | None = None):
    """A switch; the raw value goes to ``on_value``."""
    return rv.Switch(v_model=bool(value), on_v_model=on_value, label=label, hide_details=True, dense=True,
                     class_="mt-0", attributes={"data-testid": testid} if testid else {})


@solara.component
def ChoiceButtons(values: Sequence[Any], value: Any, on_index: Callable[[Any], None], *, testid: str | None = None):
    """One button per value; the raw index of the chosen one goes to ``on_index`` (see ``choice_by_index``)."""
    index = list(values).index(value) if value in values else None
    return rv.BtnToggle(v_model=index, on_v_model=on_index, mandatory=True, dense=True,
                        attributes={"data-testid": testid} if testid else {},
                        children=[rv.Btn(children=[str(x)], small=True, attributes={"data-value": str(x)})
                                  for x in values])


@solara.component
def Choice(label: str, values: Sequence[str], value: str, on_value: Callable[[Any], None], *,
           testid: str | None = None):
    """A drop-down list of texts; the raw value goes to ``on_value``."""
    return rv.Select(v_model=value, on_v_model=on_value, items=list(values), label=label, dense=True,
                     hide_details=True, attributes={"data-testid": testid} if testid else {})


def choice_by_index(values: Sequence[Any], index: Any) -> Any:
    """``values[index]`` for a whole-number index in range; PageInputError for anything else."""
    from viz.validate import PageInputError

    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(values):
        raise PageInputError(f"no choice number {index!r}")
    return values[index]


@solara.component
def TabBar(labels: Sequence[str], index: int, on_index: Callable[[Any], None], *, testid: str | None = None):
    """Tabs' headers only; the caller shows the chosen view (so nothing else is drawn, and a forged index
    reaches ``on_index`` untouched: solara.lab.Tabs indexes its own list with it first)."""
    return rv.Tabs(v_model=index, on_v_model=on_index, attributes={"data-testid": testid} if testid else {},
                   children=[rv.Tab(children=[label]) for label in labels])


def tab_index(value: Any, n: int) -> int:
    """A tab index from the page: a whole number in range, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n else 0


@solara.component
def NumberField(label: str, value: float, on_commit: Callable[[Any], None], *, testid: str | None = None,
                suffix: str = ""):
    """A text field for a number that shows ``value``; the raw text goes to ``on_commit`` when the field loses
    focus or Enter is pressed (not at every keystroke). The server never sets the field while one types:
    its text is replaced only when ``value`` changes (the slider moved, a card applied, a value accepted)."""
    from solara.components.input import use_change

    shown = f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    field = rv.TextField(v_model=shown, label=label, suffix=suffix, dense=True, hide_details=True,
                         class_="mt-0 pt-0", style_="max-width: 130px",
                         attributes={"data-testid": testid, "inputmode": "decimal"} if testid else {})
    use_change(field, on_commit)
    return field

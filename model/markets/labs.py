"""Scheduling the finished product: what share of their capacity a country's labs can still use.

Under ``policy.product_scheduling = "class"`` in a country (the whole class of the synthetic drugs its labs
make is controlled, and the control is enforced against the labs and the exports), its labs make
``lab.scheduled_output_factor`` of what they could. This acts on the labs of that country only; the
precursors it exports to labs elsewhere answer to ``policy.precursor_scheduling`` (model/precursors/agent.py).
Lab capacity is the markets' state (supply.py); the labs' month is the precursor room's (model/precursors).
"""

from __future__ import annotations


def output_factor(policy, params, country: str) -> float:
    """Share of its lab capacity a country's labs use this month: 1, or under finished-product scheduling
    ``lab.scheduled_output_factor``."""
    if policy.switch("product_scheduling", country) == "class":
        return params["lab.scheduled_output_factor"]
    return 1.0

"""The published experiments: each finding of the literature the model is tested against (T1-T12) and the reform question.

One file per experiment; ``EXPERIMENTS`` lists them by name in report order.
``drugmarket reproduce`` runs them (experiments/published/reproduce.py).
"""

from importlib import import_module

_MODULES = ("t01_markups", "t02_balloon", "t03_marginal_eradication", "t04_eradication_vs_interdiction",
            "t05_treatment_cost_effectiveness", "t06_precursor_shock", "t07_small_producer_precursors",
            "t08_naloxone", "t09_treatment_mortality", "t10_elasticity", "t11_lhy", "t12_heroin_shortage", "reform")

EXPERIMENTS = {m: import_module(f"experiments.published.{m}").EXPERIMENT for m in _MODULES}

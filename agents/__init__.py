"""Mesa agent classes. Each states its rules in methods a person can read.

Farmer and User are the large populations: the model keeps their state in
arrays advanced by numba kernels (model/kernels/). The classes here are the
reference path: the same rule for one agent in plain Python, run through Mesa
(the model steps each reference agent in order) when the model is built with
``path="reference"``. Trafficker, PrecursorSupplier and EnforcementAgency are
few and are always ordinary Mesa agents.
"""

from agents.agency import EnforcementAgency
from agents.farmer import Farmer
from agents.supplier import PrecursorSupplier
from agents.trafficker import Trafficker
from agents.user import User

__all__ = ["EnforcementAgency", "Farmer", "PrecursorSupplier", "Trafficker", "User"]

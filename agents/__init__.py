"""The Mesa agent classes, one per kind of agent.

Each class states its rules in methods a person can read, and lives in its population's room under
model/, beside the numba kernel that applies the same rule to arrays (for farmers and users) and the
rates and outputs of that population:

- ``Farmer``: model/farmers/agent.py (kernel: model/farmers/kernel.py)
- ``User``: model/users/agent.py (kernel: model/users/rule.py and kernel.py)
- ``Trafficker``: model/traffickers/agent.py
- ``PrecursorSupplier``: model/precursors/agent.py
- ``EnforcementAgency``: model/enforcement/agent.py

Farmer and User are the reference path: the model keeps the two large populations in arrays advanced by
the kernels, and runs these classes through Mesa instead when built with ``path="reference"``.
Trafficker, PrecursorSupplier and EnforcementAgency are few and are always ordinary Mesa agents.
"""

from model.enforcement.agent import EnforcementAgency
from model.farmers.agent import Farmer
from model.precursors.agent import PrecursorSupplier
from model.traffickers.agent import Trafficker
from model.users.agent import User

__all__ = ["EnforcementAgency", "Farmer", "PrecursorSupplier", "Trafficker", "User"]

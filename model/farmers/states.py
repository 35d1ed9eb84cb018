"""Codes of the farmers' rule, shared by the kernel, the reference agent and the rates."""

# Farmer events this month (bits)
FE_ERADICATED, FE_ENROLLED, FE_DROPPED, FE_MOVED = 1, 2, 4, 8

# Indices of the per-country monthly rates (model/farmers/rates.py fills them)
(C_ENROL, C_DROP, C_OFFER, C_DECIDE, C_ADJUST, C_MOVE, C_FRONTIER, C_COMPLIANCE, C_TRUST_FORCED,
 C_TRUST_BROKEN, C_TRUST_RECOVER, C_TRUST_W, C_COERCION) = range(13)
N_COUNTRY_RATES = 13

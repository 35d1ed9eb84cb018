"""Codes of the farmers' rule, shared by the kernel, the reference agent and the rates."""

# Farmer events this month (bits)
FE_ERADICATED, FE_ENROLLED, FE_DROPPED, FE_MOVED, FE_SPRAYED, FE_ENTERED, FE_ABANDONED = 1, 2, 4, 8, 16, 32, 64

# Months a sprayed plot's harvest stays cut (Rozo 2012: the yield loss is not significant after a year)
SPRAY_MONTHS = 12

# Indices of the per-country monthly rates (model/farmers/rates.py fills them)
(C_ENROL, C_DROP, C_OFFER, C_DECIDE, C_ADJUST, C_MOVE, C_FRONTIER, C_COMPLIANCE, C_TRUST_FORCED,
 C_TRUST_BROKEN, C_TRUST_RECOVER, C_TRUST_W, C_COERCION) = range(13)
N_COUNTRY_RATES = 13

# Indices of the per-municipality (cell) monthly inputs (model/farmers/rates.py fills them): the chance a
# standing plot is destroyed by a manual team, the chance it is sprayed, the chance a free frontier plot is
# planted and a planted one abandoned, and the three terms of the households' logit
X_MANUAL, X_SPRAY, X_ENTER, X_LEAVE, X_UTIL_A, X_UTIL_B, X_UTIL_C = range(7)
N_CELL_RATES = 7

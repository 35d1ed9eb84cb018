"""Scales of the agent populations. One user agent stands for ``people / n_users`` people."""

PRESETS: dict[str, dict[str, int]] = {
    # tiny: for unit tests that compare the kernel and the reference path
    "tiny": {"n_users": 4_000, "n_farmers": 600, "n_orgs": 8, "n_suppliers": 12},
    # workshop: fast enough to step interactively in the app and to run in CI
    "workshop": {"n_users": 60_000, "n_farmers": 6_000, "n_orgs": 12, "n_suppliers": 40},
    # national: at least 1,000,000 user agents and 100,000 farmers (the national-scale target)
    "national": {"n_users": 1_000_000, "n_farmers": 100_000, "n_orgs": 24, "n_suppliers": 200},
    # full: one user agent per person at risk (n_users is set from the world's population)
    "full": {"n_users": 0, "n_farmers": 250_000, "n_orgs": 40, "n_suppliers": 400},
}

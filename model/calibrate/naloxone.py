"""Naloxone kits: the monthly rates of a kit's use and loss, and the share of overdoses the kits reverse.

A kit in someone's hands leaves the stock when it is used on an overdose, expires or is lost. Its use rate is
solved so that the chance of use before expiry or loss is the channel's sourced share of kits used
(``user.naloxone_use_per_kit_<channel>``: British Columbia's community kits about 40 times a pharmacy kit's),
and one use in ten averts a death (``user.naloxone_deaths_averted_per_use``). Only overdoses with a bystander
can be reversed, and naloxone given reverses at most ``user.naloxone_reversal_probability`` of them; so of
would-be-fatal opioid overdoses, the kits reverse the deaths they avert up to that ceiling.
"""

from __future__ import annotations

from model.world import NALOXONE_CHANNELS


def kit_out_rate(p: dict) -> float:
    """Share of unused kits that expire or are lost a month."""
    return 1.0 / p["user.naloxone_kit_shelf_life_months"] + p["user.naloxone_kit_loss_per_year"] / 12.0


def kit_use_rates(p: dict) -> dict[str, float]:
    """Share of a channel's kits in hand used on an overdose a month: u with u / (u + out) = the channel's
    share of kits used (so the stock's uses equal its distribution times that share)."""
    out = kit_out_rate(p)
    rates = {}
    for c in NALOXONE_CHANNELS:
        used = p[f"user.naloxone_use_per_kit_{c}"]
        rates[c] = min(1.0 - out, out * used / (1.0 - used))
    return rates


def steady_stock(kits_a_year: dict, p: dict) -> dict[str, float]:
    """Kits in hand by channel when a year's distribution ``kits_a_year`` has gone on for long."""
    out, use = kit_out_rate(p), kit_use_rates(p)
    return {c: kits_a_year.get(c, 0.0) / 12.0 / (out + use[c]) for c in NALOXONE_CHANNELS}


def deaths_averted(stock: dict, p: dict) -> float:
    """Deaths a month the kits in hand would avert if every use met a would-be-fatal overdose's share."""
    use = kit_use_rates(p)
    return sum(stock.get(c, 0.0) * use[c] for c in NALOXONE_CHANNELS) * p["user.naloxone_deaths_averted_per_use"]


def reversal_ceiling(p: dict) -> float:
    """The most naloxone can reverse of would-be-fatal opioid overdoses: those witnessed, times efficacy."""
    return p["user.overdose_bystander_share"] * p["user.naloxone_reversal_probability"]


def reversed_given_bystander(averted: float, potential: float, p: dict) -> float:
    """Of would-be-fatal overdoses with a bystander, the share naloxone reverses: the deaths the kits avert
    over the witnessed would-be-fatal overdoses ``potential`` x bystander share, at most the efficacy."""
    witnessed = potential * p["user.overdose_bystander_share"]
    if witnessed <= 0.0:
        return 0.0
    return min(p["user.naloxone_reversal_probability"], averted / witnessed)


def potential_deaths(deaths: float, averted: float, p: dict) -> float:
    """Would-be-fatal overdoses a month, given the deaths observed and the deaths the kits avert: deaths +
    averted, unless the kits exceed the ceiling (then deaths / (1 - ceiling))."""
    cap = reversal_ceiling(p)
    if cap >= 1.0:
        return deaths + averted
    return deaths + min(averted, cap * deaths / (1.0 - cap))

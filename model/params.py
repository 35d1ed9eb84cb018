"""The model's parameters: one registry, each with unit, default, valid range and source.

Every behavioural parameter lives here and nowhere else. Scenario files override
them by dotted name under ``[params]``; the validator (model/scenario.py) checks
names and ranges against this table, docs/ODD.md lists it (a test keeps the two
in step), and the app reads units and explanations from it.

Grades: H read in the primary source, M secondary
or computed from H inputs, L placeholder or judgement, C calibrated (derived by
model/calibrate.py from the observed 2021 stocks, not set by hand).

Stocks of the calibration year (hectares, users by state, prices by market) are
data of the world file (model/data/world.toml), not parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    unit: str
    low: float | None
    high: float | None
    source: str
    grade: str
    doc: str
    choices: tuple | None = None

    def check(self, value: Any) -> str | None:
        """Return a message if ``value`` is not allowed, else None."""
        if self.choices is not None:
            if value not in self.choices:
                return f"must be one of {', '.join(map(repr, self.choices))}"
            return None
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                return "must be true or false"
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number ({self.unit})"
        if value != value or value in (float("inf"), float("-inf")):
            return "must be a finite number"
        if isinstance(self.default, int) and not float(value).is_integer():
            return "must be a whole number"
        if self.low is not None and value < self.low:
            return f"must be in [{self.low}, {self.high}] {self.unit}"
        if self.high is not None and value > self.high:
            return f"must be in [{self.low}, {self.high}] {self.unit}"
        return None


_P: list[Param] = []


def _p(name, default, unit, low, high, source, grade, doc, choices=None):
    _P.append(Param(name, default, unit, low, high, source, grade, doc, choices))


# --- time ---------------------------------------------------------------------
_p("sim.burn_in_months", 24, "months", 0, 240, "DESIGN.md", "L",
   "Months simulated before month 1 of the output; the first output year is the calibration year.")

# --- farmers ------------------------------------------------------------------
_p("farmer.decision_interval_months", 12.0, "months", 1.0, 36.0,
   "judgement; checked: with farmer.adjust_fraction the eradicated households replant 0.50 of the forcibly eradicated "
   "area within 12 months (workshop scale, tests/test_levers.py), inside the sourced 0.35-0.40 (Colombian National "
   "Police via El Tiempo 2019, H) to 0.50-0.67 (High Commissioner for Peace via InSight Crime 2019; INDEPAZ ~0.5)", "L",
   "Mean time between a farmer's reconsiderations of how much land to put under the illicit crop.")
_p("farmer.adjust_fraction", 0.5, "fraction", 0.05, 1.0, "judgement", "L",
   "Share of the gap between target and current illicit hectares closed at a reconsideration.")
_p("farmer.income_sensitivity", 2.0, "1 per unit relative income", 0.1, 10.0, "judgement", "L",
   "Slope of the logit crop choice in the relative income gap (illicit minus licit, over licit).")
_p("farmer.replant_move_probability", 0.4, "fraction", 0.0, 1.0,
   "Dávalos & Dávalos 2020; balloon effect within countries (judgement)", "L",
   "Share of replanting done in a neighbouring or frontier municipality rather than in place.")
_p("farmer.frontier_deforestation_share", 0.5, "fraction", 0.0, 1.0,
   "judgement from coca-driven deforestation reports", "L",
   "Share of hectares planted in a new municipality that clear forest (deforestation).")
_p("farmer.trust_loss_forced_eradication", 0.2, "trust units (0-1)", 0.0, 1.0, "judgement", "L",
   "Fall in a farmer's trust in the state when eradicated with no alternative offered.")
_p("farmer.trust_loss_broken_promise", 0.4, "trust units (0-1)", 0.0, 1.0, "judgement (PNIS payout record)", "L",
   "Fall in trust when an alternative-development enrolment is dropped unpaid; remembered.")
_p("farmer.trust_recovery_per_month", 0.02, "fraction of the gap per month", 0.0, 0.5, "judgement", "L",
   "Monthly pull of trust back towards 0.5 (towards 1 while enrolled in alternative development).")
_p("farmer.trust_weight", 1.0, "logit units", 0.0, 5.0, "judgement", "L",
   "How much low trust in the state tilts the crop choice towards the illicit crop.")
_p("farmer.risk_aversion_mean", 1.0, "multiplier on expected loss", 0.0, 5.0, "judgement", "L",
   "Mean weight farmers put on the expected share of their harvest lost to eradication (heterogeneous, exponential).")
_p("farmer.ad_licit_income_uplift", 1.5, "multiplier on licit income", 1.0, 5.0,
   "UNODC AD guidelines 2015; International Drug Policy: Solutions, Solution 3 (market access, guaranteed purchase)", "L",
   "Licit income multiplier that alternative development brings when every household of a country is enrolled (scaled by the enrolled share).")
_p("farmer.ad_compliance", 0.96, "fraction", 0.0, 1.0, "UNODC PNIS (0.94-0.98)", "H",
   "Share of enrolled farmers who uproot their illicit crop on enrolment.")
_p("farmer.coercion_logit", 2.0, "logit units", 0.0, 10.0, "judgement", "L",
   "How much coercion by armed groups tilts a coerced farmer's crop choice towards the illicit crop.")
_p("farmer.price_expectation_weight", 0.2, "fraction per month", 0.01, 1.0, "judgement", "L",
   "Weight of the current farm-gate price in a farmer's expected price (exponential smoothing).")
_p("farmer.coercion_share", 0.1, "fraction of farmers", 0.0, 1.0, "judgement", "L",
   "Share of farmers coerced by armed groups to keep growing (they ignore alternative development).")

# --- markets and prices -------------------------------------------------------
_p("market.farmgate_adjust", 0.3, "elasticity per month", 0.0, 2.0, "judgement", "L",
   "Monthly response of the farm-gate price to the gap between traffickers' purchases target and the harvest.")
_p("market.inventory_cover_months", 2.0, "months of consumption", 0.5, 12.0, "judgement", "L",
   "Wholesale inventory held in consumer markets, in months of baseline consumption.")
_p("market.purity_response", 0.6, "share of a shortage absorbed by purity", 0.0, 1.0,
   "Dobkin & Nicosia 2009 (purity 90% -> 20% with price x3)", "M",
   "How much of a supply shortfall dealers absorb by cutting purity rather than raising the bulk price.")
_p("market.enforcement_share_of_markup", 0.65, "fraction of markup", 0.3, 0.9,
   "Caulkins & Reuter 1998 (enforcement 60-70% of retail price)", "M",
   "Share of each stage's markup that compensates enforcement risk and scales with enforcement intensity.")
_p("market.risk_cost_elasticity", 0.5, "elasticity", 0.0, 2.0, "Caulkins & Reuter 1998 (judgement)", "L",
   "Elasticity of the enforcement-risk part of a markup with respect to enforcement intensity.")
_p("market.lost_fraction", 0.01, "fraction of shipments", 0.0, 0.2, "judgement", "L",
   "Share of each shipment lost (spoilage, wastage, unrecorded use) outside seizures and consumption.")
_p("market.max_scarcity", 20.0, "multiplier", 1.0, 100.0, "judgement", "L",
   "Upper bound on the price-per-pure-gram scarcity multiplier in a retail market.")
_p("market.farmgate_shock", 1.0, "multiplier", 0.0, 100.0, "experiment lever (T1)", "L",
   "Multiplies the farm-gate price traffickers pay for leaf and opium (1 = none): a source-price shock.")
_p("market.heroin_supply_shock", 0.0, "fraction of harvest lost", 0.0, 1.0, "experiment lever (T12)", "L",
   "Share of the opium harvest lost at source in every producer country (a sudden supply disruption; 0 = none).")
_p("market.supply_adjust", 0.3, "per month", 0.01, 1.0, "judgement", "L",
   "Share of the gap between wanted and current synthetic lab capacity closed each month.")
_p("market.restock_months", 3.0, "months", 0.5, 24.0, "judgement", "L",
   "Months over which traffickers aim to restore a market's inventory to its normal cover.")
_p("market.fentanyl_potency", 50.0, "heroin-equivalent g per g", 10.0, 100.0, "DEA (fentanyl ~50x heroin)", "M",
   "Heroin-equivalent doses per gram of fentanyl, used to blend the opioid supply.")

# --- traffickers and routes ---------------------------------------------------
_p("trafficker.route_learning_rate", 0.3, "weight per month", 0.0, 1.0, "judgement", "L",
   "Weight of this month's seizure fraction in a trafficker's learned expected loss on a route.")
_p("trafficker.route_sensitivity", 20.0, "1 per unit expected loss", 0.0, 200.0, "judgement", "L",
   "How strongly traffickers shift flow away from routes with higher learned expected loss.")
_p("trafficker.laundered_share", 0.67, "fraction of revenue", 0.0, 1.0, "UNODC 2011 (~2/3 laundered)", "H",
   "Share of trafficking revenue laundered through the financial system (exposed to financial targeting).")
_p("trafficker.recruitment_per_member", 0.0089, "recruits per member per month", 0.0, 0.1,
   "Prieto-Curiel et al. 2023 (360/week for 175,000 members)", "H",
   "Baseline monthly recruitment per member, scaled by the organization's cash flow.")
_p("trafficker.incarceration_per_member", 0.0029, "per member per month", 0.0, 0.1,
   "Prieto-Curiel et al. 2023 (~6,000 a year of 175,000)", "H",
   "Baseline monthly incarceration hazard of a member, scaled by enforcement intensity.")
_p("trafficker.leadership_removal_probability", 0.01, "per organization per month", 0.0, 0.5,
   "judgement (kingpin strategy)", "L",
   "Monthly chance that leadership targeting removes an organization's leaders, splitting it in two.")
_p("trafficker.rivalry_elasticity", 0.5, "elasticity", 0.0, 3.0,
   "judgement; fragmentation raises violence (Calderon et al. 2015; Phillips 2015)", "L",
   "Elasticity of drug violence in a country with respect to the number of rival organizations based there.")
_p("trafficker.member_share_of_deaths", 0.5, "fraction", 0.0, 1.0, "judgement", "L",
   "Share of drug-violence deaths who are members of trafficking organizations.")
_p("trafficker.members_default", 5000.0, "people", 1.0, 1.0e6, "judgement", "L",
   "Members of the trafficking organizations based in a producer country whose world entry gives no trafficker_members.")
_p("trafficker.capital_months", 6.0, "months", 0.5, 60.0, "judgement", "L",
   "Capital an organization holds in months of profit: it spends 1/capital_months of its capital a month "
   "(initial capital: this many months of 2021 revenue, which the burn-in brings to the steady state).")

_p("trafficker.lab_output_kg_per_month", 500.0, "kg pure per lab-month", 1.0, 100000.0, "judgement", "L",
   "Output of one plant-drug lab a month (labs_active counts production in lab-months).")
_p("trafficker.synthetic_lab_output_kg_per_month", 50.0, "kg pure per lab-month", 0.1, 100000.0, "judgement", "L",
   "Output of one synthetic lab a month.")

# --- precursors -----------------------------------------------------------------
_p("precursor.substitution_lag_months", 1.5, "months", 1.0, 36.0,
   "set from Dobkin & Nicosia 2009, the T6 target itself (after the 1995 ephedrine control the price was back "
   "within 4 months; in this model that needs precursor supply back within 1-2 months, as the market then refills "
   "about 2 months of inventory; 2 months already fails T6), so T6's rebound clause is partly a calibration check; "
   "DEA 1996 precursor report (traffickers switched to pseudoephedrine, a direct substitute: qualitative); "
   "no independent estimate of the switching time found", "L",
   "Mean months a supplier's diversion stays cut after its chemical is listed, the listing month included: "
   "from the next month it switches to an unscheduled analogue with probability 1/this a month.")
_p("precursor.listed_diversion_factor", 0.1, "fraction of diversion kept", 0.0, 1.0,
   "Dobkin & Nicosia 2009 (purity 90% -> 20%)", "M",
   "Diversion of a scheduled chemical left after the control, as a fraction of before.")
_p("precursor.relocation_months", 36.0, "months", 1.0, 240.0, "000 seed (production shift after 2019)", "L",
   "Time for diversion to relocate to a country without the control when a whole class is scheduled there.")
_p("precursor.escape_share", 0.5, "fraction of the controlled supply", 0.0, 1.0,
   "judgement; 000 seed (traffickers adapted to China's 2019 class scheduling by shifting production)", "L",
   "When every listed source controls a precursor family as a class, the share of its supply that relocates, over "
   "precursor.relocation_months, to sources outside the world file (other chemical industries, pre-precursors).")
_p("precursor.inspection_seizure_max", 0.3, "fraction", 0.0, 1.0, "judgement", "L",
   "Highest share of diverted precursors inspections can seize (saturation of diminishing returns).")

# --- users ----------------------------------------------------------------------
_p("user.group_size", 50, "people (agents)", 2, 10000, "judgement", "L",
   "Size of the peer groups through which initiation spreads (agents are grouped by index).")
_p("user.imitation_share", 0.6, "fraction of initiations", 0.0, 1.0, "Behrens et al. 1999 (LHY)", "M",
   "Share of baseline initiations due to contact with light users (the rest are innovators).")
_p("user.lhy_q", 3.443, "dimensionless", 0.0, 20.0, "Behrens et al. 1999", "H",
   "Deterrence of initiation by the memory of heavy use: factor exp(-q Y/L).")
_p("user.deterrence_elasticity", 0.5, "elasticity", 0.0, 5.0,
   "judgement: LHY's q x Y/L at its 1970s calibration (~1); see docs/ODD.md", "L",
   "Elasticity of imitation with respect to the memory of heavy use per light user, relative to 2021.")
_p("user.lhy_delta", 0.291, "per year", 0.0, 5.0, "Behrens et al. 1999", "H",
   "Decay rate of the memory Y of heavy use.")
_p("user.light_quit_per_year", 0.163, "per year", 0.0, 2.0, "Behrens et al. 1999 (a)", "H",
   "Rate at which occasional users stop.")
_p("user.escalation_per_year", 0.024, "per year", 0.0, 2.0, "Behrens et al. 1999 (b), cocaine", "H",
   "Rate at which occasional users become dependent (cocaine; see user.escalation_multiplier_opioid).")
_p("user.escalation_multiplier_opioid", 4.0, "multiplier", 1.0, 20.0, "judgement (opioids escalate faster)", "L",
   "Escalation rate of opioid users relative to the cocaine rate.")
_p("user.heavy_quit_per_year", 0.062, "per year", 0.0, 2.0, "Behrens et al. 1999 (g)", "H",
   "Rate at which dependent users stop without treatment (to remission).")
_p("user.relapse_per_month", 0.02, "per month", 0.0, 0.5, "judgement", "L",
   "Monthly relapse of people in remission to dependent use.")
_p("user.treatment_dropout_per_month", 0.045, "per month", 0.0, 1.0,
   "O'Connor et al. 2020 (57% retained at 12 months)", "H",
   "Monthly hazard of leaving treatment before completing it (back to dependent use).")
_p("user.treatment_completion_per_month", 0.01, "per month", 0.0, 1.0, "judgement", "L",
   "Monthly hazard of completing treatment into remission.")
_p("user.overdose_treatment_rr_methadone", 0.41, "rate ratio", 0.0, 1.0, "Larochelle et al. 2018 (opioid-related HR)", "H",
   "Overdose-death hazard in methadone treatment relative to out of treatment.")
_p("user.overdose_treatment_rr_buprenorphine", 0.62, "rate ratio", 0.0, 1.0, "Larochelle et al. 2018", "H",
   "Overdose-death hazard in buprenorphine treatment relative to out of treatment.")
_p("user.methadone_share", 0.27, "fraction of opioid treatment", 0.0, 1.0,
   "400,000 methadone (SAMHSA N-SSATS) vs 1.1M buprenorphine patients (IQVIA)", "M",
   "Share of opioid treatment places that are methadone (the rest buprenorphine).")
_p("user.post_exit_overdose_multiplier", 8.0, "rate ratio", 1.0, 200.0, "CPRD IRR 8.15 (first 4 weeks)", "H",
   "Overdose hazard multiplier in the month after leaving treatment (lost tolerance).")
_p("user.post_release_overdose_multiplier", 12.7, "rate ratio", 1.0, 200.0, "Binswanger et al. 2007 (all-cause, 2 weeks)", "H",
   "Overdose hazard multiplier in the month after release from prison (lost tolerance).")
_p("user.nonfatal_per_fatal", 10.0, "ratio", 1.0, 50.0, "Casillas et al. 2024 (5-15:1)", "M",
   "Non-fatal overdoses per fatal overdose with no naloxone, at baseline fentanyl share.")
_p("user.naloxone_reversal_probability", 0.9, "probability", 0.0, 1.0,
   "Giglio et al. 2015 (OR 8.58 for survival); programme reports (>=90% survive)", "M",
   "Chance that naloxone given at an otherwise fatal overdose prevents the death.")
_p("user.naloxone_coverage_scale", 1.0, "multiplier", 0.0, 10.0, "experiment lever (T8)", "L",
   "Multiplies every market's naloxone coverage (0 = no naloxone anywhere), capped at 0.95.")
_p("user.fentanyl_overdose_weight", 4.0, "relative hazard", 0.0, 50.0, "judgement (potency variance)", "L",
   "Overdose hazard of a fentanyl dose relative to a heroin dose.")
_p("user.stimulant_fentanyl_contamination", 0.5, "relative", 0.0, 5.0, "NCHS: most stimulant deaths involve opioids", "L",
   "How much the opioid market's fentanyl share raises stimulant users' overdose hazard.")
_p("user.purity_overdose_elasticity", 1.0, "elasticity", 0.0, 3.0, "Darke et al. (purity and overdose); judgement", "L",
   "Elasticity of the overdose hazard with respect to retail purity.")
_p("user.consumption_price_elasticity", -0.35, "elasticity", -3.0, 0.0,
   "Chaloupka et al. 1998 via NRC (conditional frequency -0.3 to -0.5)", "H",
   "Price elasticity of each user's consumption (intensive margin).")
_p("user.participation_price_elasticity", -0.3, "elasticity", -3.0, 0.0,
   "Saffer & Chaloupka 1999 (-0.28 to -0.6 short run)", "H",
   "Price elasticity of initiation and of quitting (extensive margin).")
_p("user.dependent_consumption_ratio", 8.0, "ratio", 1.0, 50.0, "Everingham & Rydell 1994 (heavy users ~7-8x light)", "M",
   "Consumption of a dependent user relative to an occasional user.")
_p("user.background_mortality_per_month", 0.0021, "per month", 0.0, 0.05,
   "Larochelle et al. 2018 (4.7 all-cause - 2.1 opioid per 100 PY)/12", "H",
   "Non-overdose excess mortality of dependent users.")
_p("user.other_death_treatment_rr_methadone", 0.37, "rate ratio", 0.0, 1.0,
   "Sordo et al. 2017 (BMJ): non-overdose deaths (11.3 - 2.6) vs (36.1 - 12.7) per 1,000 PY in vs out of "
   "methadone; all-cause rates from the abstract, overdose rates pooled (consistent with its Table 3)", "M",
   "Deaths from other causes (infection, violence, suicide) in methadone treatment relative to out of treatment.")
_p("user.other_death_treatment_rr_buprenorphine", 0.45, "rate ratio", 0.0, 1.0,
   "Sordo et al. 2017 (BMJ): all-cause 4.3 vs 9.5 per 1,000 PY in vs out of buprenorphine (no overdose "
   "split pooled for buprenorphine: the all-cause ratio is applied to non-overdose deaths, an assumption)", "L",
   "Deaths from other causes in buprenorphine treatment relative to out of treatment.")
_p("user.injecting_share", 0.4, "fraction of dependent opioid and meth users", 0.0, 1.0, "judgement", "L",
   "Share of dependent opioid and methamphetamine users who inject.")
_p("user.hiv_prevalence_pwid", 0.07, "fraction", 0.0, 1.0, "CDC NHBS (about 7% of PWID)", "M",
   "HIV prevalence among people who inject drugs at the start.")
_p("user.ssp_hiv_rr", 0.58, "rate ratio", 0.0, 1.0, "Aspinall et al. 2014 (0.66 all studies; 0.42 higher quality)", "H",
   "HIV transmission among SSP clients relative to non-clients.")
_p("user.arrest_incarceration_share", 0.25, "fraction of arrests", 0.0, 1.0, "judgement (BJS)", "L",
   "Share of drug arrests of users that end in jail or prison.")
_p("user.release_to_dependent_share", 0.6, "fraction", 0.0, 1.0, "judgement (relapse after release)", "L",
   "Share of people released from prison who return to dependent use (the rest to remission).")
_p("user.occasional_overdose_weight", 0.1, "relative hazard", 0.0, 1.0, "judgement", "L",
   "Overdose hazard of an occasional user relative to a dependent user of the same drug.")
_p("user.occasional_arrest_weight", 0.5, "relative hazard", 0.0, 1.0, "judgement", "L",
   "Arrest hazard of an occasional user relative to a dependent user.")
_p("user.light_relapse_per_month", 0.0, "per month", 0.0, 0.5, "Behrens et al. 1999 (no return term)", "M",
   "Monthly return of former occasional users to occasional use.")
_p("user.lhy_tau_per_year", 0.0, "people per year", 0.0, 1.0e8, "Behrens et al. 1999 (50,000)", "H",
   "Innovator initiations a year; 0 = solved by calibration so the 2021 stocks hold (set for the LHY experiment).")
_p("user.lhy_s_per_year", 0.0, "per light user per year", 0.0, 20.0, "Behrens et al. 1999 (0.61)", "H",
   "Imitation initiations per occasional user a year before deterrence; 0 = solved by calibration.")
_p("user.lhy_escalation_fixed", False, "switch", None, None, "Behrens et al. 1999", "H",
   "Use user.escalation_per_year as given instead of solving escalation from the 2021 stocks (LHY experiment).")
_p("user.possession_arrest_share", 0.867, "fraction of drug arrests", 0.0, 1.0, "FBI UCR 2020 via drugpolicyfacts", "H",
   "Share of drug arrests that are for possession (replaced by referral under decriminalization).")
_p("user.referral_treatment_probability", 0.3, "probability", 0.0, 1.0, "Portugal dissuasion commissions (judgement)", "L",
   "Chance a referral (decriminalized possession) leads to a treatment entry.")
_p("user.prevention_max_effect", 0.2, "fraction of initiation", 0.0, 1.0,
   "Faggiano et al. (school programmes cut initiation ~10-20%)", "L",
   "Largest reduction in initiation prevention spending can buy.")
_p("user.drug_checking_effect", 0.25, "fraction of overdose hazard", 0.0, 1.0, "Peiper et al. 2019 (behaviour change)", "L",
   "Reduction in a fentanyl-exposed user's overdose hazard when covered by drug checking.")

# --- agencies: unit costs (diminishing returns) --------------------------------------
_p("agency.eradication_cost_per_ha", 2400.0, "USD per ha", 100.0, 100000.0, "Mejía 2015 (aerial spraying $2,400/ha)", "H",
   "Marginal cost of eradicating a hectare at low effort.")
_p("agency.interdiction_cost_per_patrol", 3.0e6, "USD per patrol-year", 1.0e4, 1.0e9, "USCG obligations / assets (judgement)", "L",
   "Cost of one patrol-year on a route segment.")
_p("agency.interdiction_hazard_per_patrol", 0.0004, "seizure hazard per patrol-year", 0.0, 0.1,
   "judgement: status-quo patrols add ~0.1 to the hazard of a main transit country (JIATF-South disrupts 20-33% of known flow)", "L",
   "Seizure hazard one patrol-year adds to the shipments crossing its country.")
_p("agency.treatment_cost_per_year", 6200.0, "USD per patient-year", 500.0, 50000.0,
   "NIDA: methadone $6,552, buprenorphine $5,980", "H", "Cost of one treatment place for a year.")
_p("agency.treatment_new_places_to", "as_2021", "drug group", None, None,
   "lever (Rydell & Everingham 1994 costed treatment of heavy cocaine users)", "L",
   "Who gets treatment places above the 2021 capacity: 'as_2021' shares them like the 2021 places (mostly "
   "opioid treatment in the US); a drug group gives them all to that group's dependent users. Cuts are "
   "always shared like the 2021 places.", choices=("as_2021", "opioid", "cocaine", "methamphetamine"))
_p("agency.naloxone_kit_cost", 45.0, "USD per kit", 1.0, 500.0, "WBUR 2023 (OTC retail $44.99)", "H",
   "Cost of a naloxone kit.")
_p("agency.kits_per_covered_user", 4.0, "kits per user-year", 0.1, 50.0, "Wheeler et al. 2015 (0.17 reversals per kit)", "M",
   "Kits a year that make one user's overdoses covered by naloxone.")
_p("agency.ssp_cost_per_client", 1000.0, "USD per client-year", 100.0, 10000.0, "Teshale et al. 2019", "H",
   "Cost of serving one syringe-services client for a year.")
_p("agency.drug_checking_cost_per_user", 100.0, "USD per user-year", 1.0, 5000.0, "FTS $1 each (L) plus outreach", "L",
   "Cost of drug checking for one user for a year.")
_p("agency.harm_reduction_split_naloxone", 0.5, "fraction", 0.0, 1.0, "judgement", "L",
   "Share of the harm-reduction budget spent on naloxone (the rest split by the next two).")
_p("agency.harm_reduction_split_ssp", 0.3, "fraction", 0.0, 1.0, "judgement", "L",
   "Share of the harm-reduction budget spent on syringe services.")
_p("agency.prevention_cost_per_person", 50.0, "USD per person-year", 1.0, 5000.0, "judgement (school programmes)", "L",
   "Cost of reaching one person at risk with prevention for a year.")
_p("agency.arrest_cost", 20000.0, "USD per arrest", 100.0, 1.0e6, "judgement (police, courts)", "L",
   "Marginal cost of one drug arrest through domestic enforcement.")
_p("agency.ad_cost_per_family", 3000.0, "USD per family-year", 100.0, 50000.0,
   "PNIS: COP 36M (~$10,000) per family over ~3 years", "M",
   "Cost of enrolling one farming family in alternative development for a year.")
_p("agency.precursor_cost_per_inspection", 50000.0, "USD per inspection", 100.0, 1.0e7, "judgement", "L",
   "Cost of one inspection of a chemical supplier.")
_p("agency.financial_cost_per_investigation", 500000.0, "USD per investigation", 1.0e3, 1.0e8, "judgement", "L",
   "Cost of one financial investigation of trafficking proceeds.")
_p("agency.financial_seizure_max", 0.05, "fraction of laundered proceeds", 0.0, 1.0,
   "UNODC 2011 (<1% seized or frozen today)", "M",
   "Highest share of laundered proceeds financial targeting can seize (saturation).")
_p("agency.saturation_multiple", 3.0, "multiple of baseline activity", 1.1, 100.0, "judgement", "L",
   "Each program's activity saturates at this multiple of its 2021 level: activity = K(1 - exp(-B/(cK))), K = multiple x baseline.")
_p("agency.host_cofunding", 1.0, "USD per US dollar", 0.0, 20.0, "judgement (Plan Colombia cost sharing)", "L",
   "Partner governments' own spending per US dollar on the programmes abroad: eradication, interdiction, alternative development and financial targeting.")

PARAMS: dict[str, Param] = {p.name: p for p in _P}


def defaults() -> dict[str, Any]:
    """The default value of every parameter, by dotted name."""
    return {name: p.default for name, p in PARAMS.items()}

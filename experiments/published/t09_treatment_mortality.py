"""T9: opioid treatment lowers mortality.

Source: Larochelle et al. 2018, Ann. Intern. Med. 169:137: all-cause mortality hazard ratio 0.47
(0.32-0.71) in methadone and 0.63 (0.46-0.87) in buprenorphine treatment, against no medication
(opioid-related: 0.41 and 0.62, which the model takes as inputs). Deaths from other causes fall in
treatment by ratios taken from a different source (Sordo et al. 2017, BMJ: 0.37 methadone, 0.45
buprenorphine), so what this checks is that the two sources and the model's comparison group (people out
of treatment, including those just out of treatment or prison) combine into Larochelle's all-cause
ratios; it is not an independent test of the overdose ratios. Statistic: all-cause death rate of
opioid users in methadone and in buprenorphine treatment over that of dependent users out of
treatment, from the status quo (deaths by the state people died from, over person-months).
"""

from experiments.published.base import Experiment, per_seed, scenario


def scenarios(tier):
    return {"status_quo": scenario("t09-sq", tier, 24)}


def statistic(r):
    def hr(kind):
        def f(g):
            tx = g[f"deaths_{kind}_opioid"].sum() / g[f"person_months_{kind}_opioid"].sum()
            dep = g["deaths_dependent_opioid"].sum() / g["person_months_dependent_opioid"].sum()
            return tx / dep
        return f
    df = r["status_quo"]
    return {"hr_methadone": per_seed(df, hr("methadone")), "hr_buprenorphine": per_seed(df, hr("buprenorphine"))}


def check(s):
    m, b = s["hr_methadone"].mean, s["hr_buprenorphine"].mean
    ok = 0.32 <= m <= 0.71 and 0.46 <= b <= 0.87
    return ok, f"all-cause hazard ratio {m:.2f} in methadone (band 0.32-0.71), {b:.2f} in buprenorphine (band 0.46-0.87)"


EXPERIMENT = Experiment(
    name="t09_treatment_mortality", title="T9 Treatment lowers mortality",
    finding="All-cause mortality hazard ratio about 0.47 in methadone and 0.63 in buprenorphine treatment.",
    band="0.47 (0.32-0.71) methadone; 0.63 (0.46-0.87) buprenorphine", source="Larochelle et al. 2018",
    scenarios=scenarios, statistic=statistic, check=check, main_stat="hr_methadone",
    preset={"fast": "national", "full": "national"})

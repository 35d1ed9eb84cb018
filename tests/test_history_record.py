"""The historical record (model/data/history/): every value has its unit, grade and source; the loader
refuses malformed files naming the row and field; the model columns it maps to exist."""

import pandas as pd
import pytest

from experiments.history import RECORD, RecordError, model_by_year, read_record, series_summary


def test_record_loads_with_sources_and_grades():
    df = read_record()
    assert len(df) > 150
    assert set(df["grade"]) <= {"H", "M", "L"}
    assert (df["source"].str.len() > 10).all()
    # the two ends of the overdose wave, from the NCHS data briefs and the CDC WONDER figure data
    deaths = df[df["series"] == "us_overdose_deaths_all"].set_index("year")["value"]
    assert deaths[2010] == 38329 and deaths[2022] == 107941
    assert list(deaths.index) == list(range(2010, 2024))


def test_record_cites_no_file_outside_the_repository():
    text = RECORD.read_text()
    assert "shared" not in text and "evidence/" not in text and ".md" not in text


def test_every_series_is_documented():
    doc = (RECORD.parents[3] / "docs" / "history.md").read_text()
    missing = [s for s in series_summary()["series"] if f"`{s}`" not in doc]
    assert not missing, f"docs/history.md does not list {missing}"


@pytest.mark.parametrize("change, message", [
    (("grade", "X"), "'grade' must be one of H, M, L"),
    (("value", "nan"), "'value' must be finite"),
    (("value", "many"), "'value' must be a number"),
    (("year", "1850"), "'year' must be a whole year"),
    (("source", " "), "'source' is empty"),
])
def test_malformed_record_is_refused_naming_the_field(tmp_path, change, message):
    df = pd.read_csv(RECORD, dtype=str, keep_default_na=False)
    field, value = change
    df.loc[3, field] = value
    bad = tmp_path / "record.csv"
    df.to_csv(bad, index=False)
    with pytest.raises(RecordError, match="row 5") as e:
        read_record(bad)
    assert message in str(e.value)


def test_model_by_year_sums_flows_and_takes_stocks_at_december():
    months = pd.DataFrame({"year": [2022] * 12 + [2023] * 12,
                           "overdose_deaths_united_states": [100.0] * 24,
                           "cultivation_ha_colombia": list(range(24)),
                           "production_kg_cocaine": [1000.0] * 24})
    assert model_by_year(months, "us_overdose_deaths_all").tolist() == [1200.0, 1200.0]
    assert model_by_year(months, "coca_ha_colombia").tolist() == [11, 23]
    assert model_by_year(months, "cocaine_manufacture_global_t").tolist() == [12.0, 12.0]  # tonnes
    with pytest.raises(KeyError, match="no model column"):
        model_by_year(months, "us_overdose_deaths_heroin")


def test_model_columns_of_the_record_exist():
    from model.model import DrugMarketModel
    from model.scenario import scenario_from_dict

    df = DrugMarketModel(scenario_from_dict({"preset": "tiny", "months": 1,
                                             "params": {"sim.burn_in_months": 1}}), seed=1).run()
    wanted = {c for c in read_record()["model_column"] if c}
    assert wanted and wanted <= set(df.columns), wanted - set(df.columns)
    assert df[["year", "month_of_year"]].iloc[0].tolist() == [2021, 1]  # the first output year is the calibration year


def test_calendar_of_output_months():
    from model.outputs import calendar

    assert calendar(2021, 1) == {"year": 2021, "month_of_year": 1}
    assert calendar(2021, 12) == {"year": 2021, "month_of_year": 12}
    assert calendar(2021, 13) == {"year": 2022, "month_of_year": 1}
    assert calendar(1970, 120) == {"year": 1979, "month_of_year": 12}


@pytest.mark.parametrize("year", [2021.5, "2021", 1800])
def test_bad_calibration_year_is_refused_naming_the_key(year):
    import tomllib

    from model.world import WorldError, build_world

    raw = tomllib.loads((RECORD.parents[1] / "world.toml").read_text())
    raw["calibration_year"] = year
    with pytest.raises(WorldError, match="calibration_year"):
        build_world(raw)

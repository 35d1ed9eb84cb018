"""What a results folder gives a reader besides the rows: the data dictionary (columns.csv) and the
README's DuckDB query."""

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from experiments.cli import main
from experiments.data_dictionary import FILE, meaning, rows
from experiments.storage import read_results

ROOT = Path(__file__).resolve().parents[1]
SIM = ["--simulate", "test_runner:fake_simulate"]


def _odd_output_names() -> list[str]:
    """The column names and patterns of docs/ODD.md section 10's table, placeholders filled in."""
    text = (ROOT / "docs" / "ODD.md").read_text()
    start = text.index("## 10 Outputs")
    # the results' columns; the outcome ledger's quantities (section 10.1) are in ledger.csv, not the results
    end = min(i for i in (text.find("### 10.1", start), text.index("## 11 ")) if i > 0)
    section = text[start:end]
    names = []
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names += re.findall(r"`([a-z_<>]+)`", first_cell)
    return [re.sub(r"<[a-z]+>", "x", n) for n in names]


def test_every_output_of_the_odd_has_a_meaning():
    names = _odd_output_names()
    assert len(names) > 40
    assert [n for n in names if not meaning(n)] == []


def test_the_model_s_columns_all_have_a_unit_kind_and_meaning():
    from model import DrugMarketModel
    from model.scenario import load_scenario

    df = DrugMarketModel(scenario=load_scenario(None, ['preset="tiny"', "months=1"]), seed=1).run()
    described = rows(df.columns)
    assert [r["column"] for r in described if not r["meaning"]] == []
    kinds = {r["column"]: r["kind"] for r in described}
    assert kinds["overdose_deaths"] == "flow" and kinds["people_with_sud"] == "stock"
    assert kinds["retail_price_cocaine"] == "level" and kinds["month"] == "key"


def test_run_writes_the_data_dictionary_and_the_readme_duckdb_query_reads_the_parts(tmp_path, capsys):
    out = tmp_path / "res"
    rc = main(["run", "--months", "3", "--seeds", "2", "--out", str(out), "--backend", "serial", "--no-figure", *SIM])
    assert rc == 0
    dictionary = pd.read_csv(out / FILE)
    assert list(dictionary.columns) == ["column", "unit", "kind", "meaning"]
    df = read_results(out)
    assert set(dictionary["column"]) == set(df.columns)
    row = dictionary.set_index("column").loc["overdose_deaths"]
    assert row["unit"] == "people a month" and row["kind"] == "flow"
    # the README's query, word for word, with DIR replaced by the results folder
    query = re.search(r"SELECT \* FROM 'DIR/parts/\*\.parquet'", (ROOT / "README.md").read_text()).group(0)
    got = duckdb.sql(query.replace("DIR", str(out))).df()
    assert len(got) == len(df) == 2 * 3
    pd.testing.assert_frame_equal(got.sort_values(["seed", "month"]).reset_index(drop=True)[df.columns],
                                  df.sort_values(["seed", "month"]).reset_index(drop=True), check_dtype=False)

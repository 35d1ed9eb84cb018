"""Bad input through the command line: exit status 2, a message naming the key, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.cli import main
from fakes import refused_run

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted((ROOT / "tests" / "bad_scenarios").glob("*.toml"))
WORLD = (ROOT / "model" / "data" / "world.toml").read_text(encoding="utf-8")


def _expected_key(path: Path) -> str:
    first = path.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    return first.split(":", 1)[1].strip()


@pytest.mark.parametrize("path", CORPUS[:12], ids=lambda p: p.name)
def test_bad_scenario_files_exit_2_naming_the_key(path, tmp_path, capsys):
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if len(lines) > 1 and lines[1].startswith("# countries:"):
        pytest.skip("needs the world's country list: the CLI checks countries against the world (tested below)")
    code = main(["run", str(path), "--seeds", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    key = _expected_key(path)
    if not key.startswith("line"):
        assert key.split(".")[-1] in err


@pytest.mark.parametrize("change,key", [
    (('to = "caribbean"', 'to = "carribean"'), "routes"),
    (('ha = 204000.0', 'ha = -5.0'), "countries.colombia.crops.coca.ha"),
    (('yield = 7.9', 'yield = nan'), "countries.colombia.crops.coca.yield"),
    (('[[routes]]\nfrom = "mexico"\nto = "united_states"', '[[routes]]\nfrom = "mexico"\nto = "central_america"'),
     "countries.united_states"),
    (('calibration_year = 2021', 'calibration_year = 2021\ncolour = "red"'), "colour"),
    (('naloxone_kits = { community = 351000.0', 'naloxone_kits = { community = -1.0'),
     "countries.united_states.naloxone_kits.community"),
    (('naloxone_kits = { community = 351000.0, pharmacy = 1200000.0, emergency_department = 0.0 }',
      'naloxone_coverage = 0.35'), "countries.united_states.naloxone_coverage"),
    (('pharmacy = 1200000.0, emergency_department', 'pharmacy = 1200000.0, hospital'),
     "countries.united_states.naloxone_kits.hospital"),
    (('to = "united_states"\nmode = "land"', 'to = "united_states"\nmode = "tunnel"'), "mode"),
    (('to = "europe"\nmode = "air"', 'to = "europe"\nmode = "maritime"'), "mode"),
])
def test_bad_world_files_exit_2_naming_the_key(change, key, tmp_path, capsys):
    old, new = change
    assert old in WORLD
    world = tmp_path / "world.toml"
    world.write_text(WORLD.replace(old, new, 1), encoding="utf-8")
    assert key in refused_run(tmp_path, capsys, f'name = "w"\nworld = "{world}"\n')


def test_malformed_and_binary_world_files_exit_2(tmp_path, capsys):
    for name, data in (("broken.toml", b"[countries\nx = 1"), ("binary.toml", bytes(range(256)))):
        world = tmp_path / name
        world.write_bytes(data)
        scenario = tmp_path / f"s_{name}"
        scenario.write_text(f'name = "w"\nworld = "{world}"\n', encoding="utf-8")
        code = main(["run", str(scenario), "--seeds", "1", "--out", str(tmp_path / f"out_{name}")])
        err = capsys.readouterr().err
        assert code == 2 and "world" in err and "Traceback" not in err


def test_budget_for_a_place_without_the_programme_is_refused(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "w"\n[policy.budget.treatment]\ncolombia = 1e9\n', encoding="utf-8")
    code = main(["run", str(scenario), "--seeds", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "policy.budget.treatment.colombia" in err and "united_states" in err


def test_parameters_that_make_calibration_impossible_exit_2(tmp_path, capsys):
    """Found by the property test: every shipment seized makes the 2021 consumption undeliverable."""
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "w"\n[params]\n"agency.interdiction_cost_per_patrol" = 1e4\n', encoding="utf-8")
    code = main(["run", str(scenario), "--seeds", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "agency.interdiction" in err


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", '"half"'])
def test_a_bad_prison_treatment_share_is_refused(value, tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "p"\n[params]\n"agency.treatment_split_prison" = {value}\n', encoding="utf-8")
    code = main(["run", str(scenario), "--seeds", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "agency.treatment_split_prison" in err

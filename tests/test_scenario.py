"""Scenario files, --set overrides and their validation (model/scenario/)."""

from __future__ import annotations

import json
import math
import pickle
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.params import PARAMS
from model.policy import PROGRAMS, STATUS_QUO_BUDGET, SWITCH_CHOICES, SWITCHES, Policy
from model.presets import PRESETS
from model.scenario import (
    Event,
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    parse_value,
    scenario_from_dict,
    set_value,
)

HERE = Path(__file__).resolve().parent
BAD = sorted((HERE / "bad_scenarios").glob("*.toml"))
STATUS_QUO = HERE.parent / "experiments" / "scenarios" / "status_quo.toml"
COUNTRIES = ["Colombia", "Peru", "Bolivia", "USA", "China", "Mexico"]


def _rich() -> Scenario:
    """A scenario using every kind of key."""
    return scenario_from_dict({
        "name": "rebalance-40-60",
        "preset": "tiny",
        "months": 60,
        "world": "worlds/mine.toml",
        "policy": {
            "decriminalize_possession": True,
            "precursor_scheduling": "class",
            "budget": {"treatment": 1.2e9, "interdiction": 9, "alternative_development": {"Colombia": 6e8, "peru": 2e8}},
            "countries": {"china": {"precursor_scheduling": "list"}, "USA": {"leadership_targeting": False}},
        },
        "events": [
            {"month": 24, "set": {"policy.countries.china.precursor_scheduling": "class"}},
            {"month": 36, "set": {"policy": {"budget": {"treatment": 2e9}}, "user.naloxone_reversal_probability": 0.95}},
        ],
        "params": {"user": {"naloxone_reversal_probability": 0.8, "group_size": 20.0}, "market.max_scarcity": 10},
    })


# --- defaults and round trips -------------------------------------------------------


def test_defaults_are_the_status_quo():
    s = load_scenario()
    assert s == Scenario()
    assert s.policy.budget == STATUS_QUO_BUDGET
    assert s.policy.switches == SWITCHES
    assert (s.name, s.preset, s.months, s.world, s.events, s.params) == ("status-quo", "workshop", 120, None, [], {})
    assert s.param("user.naloxone_reversal_probability") == PARAMS["user.naloxone_reversal_probability"].default
    with pytest.raises(KeyError, match="did you mean"):
        s.param("user.naloxone_reversal_probabilty")


def test_status_quo_file_is_complete_and_equals_the_default():
    raw = tomllib.loads(STATUS_QUO.read_text("utf-8"))
    assert set(raw["policy"]) - {"budget"} == set(SWITCHES)
    assert set(raw["policy"]["budget"]) == set(PROGRAMS)
    assert load_scenario(STATUS_QUO) == Scenario()
    assert load_scenario("status_quo") == Scenario()  # a shipped file by name


def test_missing_budgets_keep_the_status_quo(tmp_path):
    f = tmp_path / "x.toml"
    f.write_text("[policy.budget]\ntreatment = 2e9\n")
    s = load_scenario(f)
    assert s.policy.budget == {**STATUS_QUO_BUDGET, "treatment": 2e9}
    assert s.name == "x"  # a file without a name is named after the file


def test_round_trip_dict_json_and_toml():
    s = _rich()
    assert scenario_from_dict(s.to_dict()) == s
    assert scenario_from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert scenario_from_dict(tomllib.loads(s.to_toml())) == s
    assert scenario_from_dict(tomllib.loads(Scenario().to_toml())) == Scenario()
    d = s.to_dict()
    d["policy"]["budget"]["treatment"] = 1.0  # to_dict is a copy
    assert s.policy.budget["treatment"] == 1.2e9


def test_normalisation():
    s = _rich()
    assert s.policy.budget["interdiction"] == 9.0 and isinstance(s.policy.budget["interdiction"], float)
    assert s.policy.budget["alternative_development"] == {"colombia": 6e8, "peru": 2e8}
    assert set(s.policy.countries) == {"china", "usa"}
    assert s.policy.switch("precursor_scheduling", "china") == "list"
    assert s.policy.switch("precursor_scheduling", "peru") == "class"
    assert s.params == {"user.naloxone_reversal_probability": 0.8, "user.group_size": 20, "market.max_scarcity": 10.0}
    assert isinstance(s.params["user.group_size"], int) and isinstance(s.params["market.max_scarcity"], float)
    assert s.param("params.user.group_size") == 20
    assert Policy(budget=s.policy.budget).total("alternative_development") == 8e8


def test_params_nested_and_quoted_are_the_same():
    a = scenario_from_dict({"params": {"user": {"naloxone_reversal_probability": 0.5}}})
    b = scenario_from_dict({"params": {"user.naloxone_reversal_probability": 0.5}})
    c = load_scenario(None, ["params.user.naloxone_reversal_probability=0.5"])
    d = load_scenario(None, ["user.naloxone_reversal_probability=0.5"])
    assert a == b == c == d
    with pytest.raises(ScenarioError, match="given twice") as e:
        scenario_from_dict({"params": {"user": {"lhy_q": 1.0}, "user.lhy_q": 2.0}})
    assert e.value.key == "params.user.lhy_q"


def test_empty_and_comment_only_files_are_the_status_quo(tmp_path):
    for text in ("", "# nothing\n\n", "[policy]\n[policy.budget]\n[params]\n[params.user]\n"):
        f = tmp_path / "status-quo.toml"
        f.write_text(text)
        assert load_scenario(f) == Scenario()


def test_world_is_relative_to_the_file(tmp_path):
    (tmp_path / "w.toml").write_text("")
    f = tmp_path / "s.toml"
    f.write_text('world = "w.toml"\n')
    assert load_scenario(f).world == str((tmp_path / "w.toml").resolve())
    f.write_text('world = "nowhere.toml"\n')
    with pytest.raises(ScenarioError, match="no such world file") as e:
        load_scenario(f)
    assert e.value.key == "world"


# --- the corpus of bad files ---------------------------------------------------------


def _header(path: Path) -> tuple[str, list[str] | None]:
    lines = path.read_text("utf-8").splitlines()
    assert lines[0].startswith("# key: "), f"{path.name}: first line must be '# key: ...'"
    countries = None
    if len(lines) > 1 and lines[1].startswith("# countries:"):
        countries = [c.strip() for c in lines[1].split(":", 1)[1].split(",")]
    return lines[0][len("# key: "):].strip(), countries


def test_corpus_is_big_and_documented():
    assert len(BAD) >= 15
    readme = (HERE / "bad_scenarios" / "README.md").read_text("utf-8")
    for f in BAD:
        assert f"`{f.name}`" in readme, f"{f.name} missing from bad_scenarios/README.md"


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_raises_naming_the_key(path):
    key, countries = _header(path)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path, countries=countries)
    msg = str(e.value)
    assert key in msg
    assert str(path) in msg  # the file is named
    if key.startswith("line "):  # TOML syntax: no key, but line and column
        assert e.value.key is None and "column" in msg
    else:
        assert e.value.key == key


def test_unknown_country_needs_the_world():
    path = HERE / "bad_scenarios" / "unknown_country.toml"
    assert load_scenario(path).policy.countries == {"atlantis": {"leadership_targeting": False}}


@pytest.mark.parametrize("data, what", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    (b'name = "caf\xe9"\n', "not UTF-8"),
    (b"\xff\xfe" + "months = 12".encode("utf-16-le"), "UTF-8"),
])
def test_binary_and_non_utf8_files(tmp_path, data, what):
    f = tmp_path / "bad.toml"
    f.write_bytes(data)
    with pytest.raises(ScenarioError, match=what):
        load_scenario(f)


def test_utf8_bom_is_fine(tmp_path):
    f = tmp_path / "bom.toml"
    f.write_bytes(b"\xef\xbb\xbfmonths = 12\n")
    assert load_scenario(f).months == 12


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file.*status_quo"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="directory"):
        load_scenario(tmp_path)


# --- messages ------------------------------------------------------------------------


@pytest.mark.parametrize("d, text", [
    ({"params": {"user": {"naloxone_reversal_probabilty": 0.9}}},
     "params.user.naloxone_reversal_probabilty: unknown parameter; did you mean 'user.naloxone_reversal_probability'?"),
    ({"policy": {"budget": {"treatment": -5.0}}}, "policy.budget.treatment = -5.0: must be a number >= 0 (USD per year)"),
    ({"params": {"user.naloxone_reversal_probability": 2}}, "must be in [0.0, 1.0] probability"),
    ({"preset": "nationl"}, "did you mean 'national'?"),
    ({"policy": {"budget": {"interdiction": "9e8"}}}, "without quotes: 9e8"),
    ({"policy": {"countries": {"china": {"precursor_scheduling": True}}}}, '"none", "list", "class"'),
    ({"params": {"nothing.like.this": 1}}, "model/params.py"),
])
def test_messages(d, text):
    with pytest.raises(ScenarioError) as e:
        scenario_from_dict(d)
    assert text in str(e.value)


def test_error_is_a_value_error_and_pickles():
    e = ScenarioError("months = 0: bad", "months", "x.toml")
    assert isinstance(e, ValueError)
    e2 = pickle.loads(pickle.dumps(e))
    assert (e2.key, e2.source, str(e2)) == ("months", "x.toml", "x.toml: months = 0: bad")


# --- --set -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("true", True), ("false", False), ("12", 12), ("-3", -3), ("1e9", 1e9), ("2.5e-3", 2.5e-3), ("1_000", 1000),
    ("class", "class"), ('"class"', "class"), ("'a b'", "a b"), ("my scenario", "my scenario"), ("", ""),
    ("  7 ", 7), ("2024-01-01", "2024-01-01"), ("{ colombia = 1e8 }", {"colombia": 1e8}), ("a\nb = 1", "a\nb = 1"),
])
def test_parse_value(text, value):
    assert parse_value(text) == value
    assert type(parse_value(text)) is type(value)


def test_parse_value_nan_inf():
    assert math.isnan(parse_value("nan")) and parse_value("inf") == math.inf


def test_overrides():
    base = Scenario()
    s = apply_overrides(base, [
        "policy.budget.treatment=2e9",
        "policy.decriminalize_possession=true",
        "policy.countries.China.precursor_scheduling=class",
        "policy.budget.alternative_development.Colombia=1e8",
        "policy.budget.alternative_development.peru = 5e7",
        "user.naloxone_reversal_probability=0.95",
        "params.farmer.adjust_fraction=0.25",
        "preset=national", "months=240", "name=my run", "name='true'",
    ])
    assert base == Scenario()  # a new scenario; the old one is untouched
    assert s.policy.budget["treatment"] == 2e9
    assert s.policy.switches["decriminalize_possession"] is True
    assert s.policy.countries == {"china": {"precursor_scheduling": "class"}}
    assert s.policy.budget["alternative_development"] == {"colombia": 1e8, "peru": 5e7}
    assert s.params == {"user.naloxone_reversal_probability": 0.95, "farmer.adjust_fraction": 0.25}
    assert (s.preset, s.months, s.name) == ("national", 240, "true")
    s2 = apply_overrides(s, ["policy.budget.alternative_development=3e8"])  # a number replaces the table
    assert s2.policy.budget["alternative_development"] == 3e8
    s3 = apply_overrides(s, ["policy.budget.alternative_development={bolivia = 1e6}"])
    assert s3.policy.budget["alternative_development"] == {"bolivia": 1e6}


@pytest.mark.parametrize("item, key, text", [
    ("policy.budget.treatment=-1", "policy.budget.treatment", ">= 0"),
    ("policy.budget.treatmnt=1", "policy.budget.treatmnt", "did you mean 'policy.budget.treatment'?"),
    ("polcy.budget.treatment=1", "polcy.budget.treatment", "did you mean 'policy.budget.treatment'?"),
    ("user.naloxone_reversal_probabilty=1", "user.naloxone_reversal_probabilty", "did you mean"),
    ("policy.decriminalize_possession=yes", "policy.decriminalize_possession", "true or false"),
    ("months=0", "months", "from 1 to 1200"),
    ("name=true", "name", "quote it"),
    ("events=1", "events", "[[events]]"),
    ("policy.budget.treatment.atlantis=1", "policy.budget.treatment.atlantis", "unknown country"),
    ("treatment", "treatment", "key=value"),
    ("=3", None, "empty"),
])
def test_bad_overrides(item, key, text):
    with pytest.raises(ScenarioError) as e:
        load_scenario(None, [item], countries=COUNTRIES)
    assert e.value.key == key and text in str(e.value) and str(e.value).startswith("--set: ")


def test_overrides_applied_after_the_file(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name = "s"\n[policy.budget]\ntreatment = 1e9\n')
    assert load_scenario(f, ["policy.budget.treatment=3e9"]).policy.budget["treatment"] == 3e9


# --- per-country tables, countries check ------------------------------------------------


def test_country_budget_tables_and_check():
    d = {"policy": {"budget": {"alternative_development": {"COLOMBIA": 1e8, "Peru": 2e8}},
                    "countries": {"China": {"precursor_scheduling": "class"}}}}
    s = scenario_from_dict(d, countries=COUNTRIES)
    assert s.policy.budget["alternative_development"] == {"colombia": 1e8, "peru": 2e8}
    assert s.policy.countries == {"china": {"precursor_scheduling": "class"}}
    with pytest.raises(ScenarioError) as e:
        scenario_from_dict(d, countries=["colombia", "china"])
    assert e.value.key == "policy.budget.alternative_development.Peru"
    assert "colombia, china" in str(e.value) or "china, colombia" in str(e.value)
    with pytest.raises(ScenarioError, match="did you mean 'colombia'"):
        scenario_from_dict({"policy": {"countries": {"colombai": {"leadership_targeting": False}}}},
                           countries=COUNTRIES)
    # without the world's names any country goes
    assert scenario_from_dict({"policy": {"countries": {"atlantis": {"leadership_targeting": False}}}})


# --- events -------------------------------------------------------------------------------


def test_events():
    s = _rich()
    assert s.events == [
        Event(24, {"policy.countries.china.precursor_scheduling": "class"}),
        Event(36, {"policy.budget.treatment": 2e9, "params.user.naloxone_reversal_probability": 0.95}),
    ]
    for e in s.events:  # what the model does at run time
        for k, v in e.set.items():
            set_value(s, k, v)
    assert s.policy.switch("precursor_scheduling", "china") == "class"
    assert s.policy.budget["treatment"] == 2e9
    assert s.param("user.naloxone_reversal_probability") == 0.95


def test_events_checked_against_months_and_countries():
    d = {"months": 24, "events": [{"month": 24, "set": {"policy.budget.treatment.Peru": 1.0}}]}
    assert scenario_from_dict(d, countries=COUNTRIES).events[0].set == {"policy.budget.treatment.peru": 1.0}
    with pytest.raises(ScenarioError) as e:
        scenario_from_dict(d, countries=["colombia"])
    assert e.value.key == "events[0].set.policy.budget.treatment.Peru"
    s = scenario_from_dict(d)
    with pytest.raises(ScenarioError) as e:  # shortening the run below an event
        apply_overrides(s, ["months=12"])
    assert e.value.key == "events[0].month"
    assert apply_overrides(s, ["months=36"]).months == 36


def test_set_value_is_atomic():
    s = Scenario()
    policy = s.policy
    with pytest.raises(ScenarioError):
        set_value(s, "policy", {"decriminalize_possession": True, "budget": {"treatment": -1}})
    assert s == Scenario()
    set_value(s, "policy", {"decriminalize_possession": True, "budget": {"treatment": 1}})
    assert s.policy is policy and s.policy.switches["decriminalize_possession"] and s.policy.budget["treatment"] == 1.0


# --- garbage never raises anything but ScenarioError ---------------------------------------

_KEYS = st.sampled_from(
    ["name", "preset", "months", "world", "policy", "budget", "countries", "events", "params", "month", "set", "user",
     "usa", "Colombia", "", ".", "policy.budget", "user.naloxone_reversal_probability", "params.user.group_size",
     "policy.countries.china.precursor_scheduling", "policy.budget.treatment.peru", "events[0]"]
    + list(PROGRAMS) + list(SWITCHES) + list(PRESETS) + list(PARAMS)[:10]
) | st.text(max_size=12)
_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**400), max_value=10**400)
            | st.floats() | st.text(max_size=20) | st.sampled_from(["class", "list", "none", "tiny", "workshop"]))
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)
_GARBAGE_DICTS = st.dictionaries(_KEYS, _VALUES, max_size=6)
_FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(d=_GARBAGE_DICTS | _VALUES, countries=st.none() | st.just(COUNTRIES))
def test_garbage_dicts(d, countries):
    try:
        s = scenario_from_dict(d, countries=countries)
    except ScenarioError as e:
        assert str(e) and (e.key is None or isinstance(e.key, str))
    else:
        assert scenario_from_dict(s.to_dict(), countries=countries) == s
        assert scenario_from_dict(tomllib.loads(s.to_toml()), countries=countries) == s


@_FAST
@given(items=st.lists(st.text(max_size=40) | st.builds("{}={}".format, _KEYS, st.text(max_size=20)), max_size=4))
def test_garbage_overrides(items):
    try:
        apply_overrides(Scenario(), items)
    except ScenarioError:
        pass


@_FAST
@given(text=st.text(max_size=60))
def test_parse_value_never_raises(text):
    parse_value(text)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode)
       | st.builds(lambda k, v: f"{k} = {v}\n".encode(), _KEYS, st.text(max_size=20)))
def test_garbage_files(tmp_path_factory, data):
    f = tmp_path_factory.mktemp("garbage") / "g.toml"
    f.write_bytes(data)
    try:
        load_scenario(f)
    except ScenarioError:
        pass


def _param_values(name):
    p = PARAMS[name]
    if p.choices is not None:
        return st.sampled_from(p.choices)
    if isinstance(p.default, bool):
        return st.booleans()
    if isinstance(p.default, int):
        return st.integers(int(p.low), int(p.high))
    return st.floats(p.low, p.high)


_AMOUNT = st.floats(0, 1e12) | st.integers(0, 10**12)
_BUDGET = _AMOUNT | st.dictionaries(st.sampled_from(COUNTRIES), _AMOUNT, min_size=1, max_size=3)
_SWITCH = {k: st.sampled_from(list(SWITCH_CHOICES[k])) for k in SWITCHES}
_PARAM = st.sampled_from(sorted(PARAMS)).flatmap(lambda n: st.tuples(st.just(n), _param_values(n)))
_SETS = st.dictionaries(
    st.sampled_from([f"policy.budget.{p}" for p in PROGRAMS] + [f"policy.{k}" for k in SWITCHES]),
    st.none(), min_size=1, max_size=3,
)


@st.composite
def _valid_dicts(draw):
    months = draw(st.integers(1, 1200))
    d = {"months": months, "name": draw(st.text(min_size=1, max_size=30).filter(lambda s: s.strip() and s.isprintable())),
         "preset": draw(st.sampled_from(list(PRESETS)))}
    d["policy"] = {k: draw(v) for k, v in _SWITCH.items() if draw(st.booleans())}
    d["policy"]["budget"] = {p: draw(_BUDGET) for p in PROGRAMS if draw(st.booleans())}
    d["policy"]["countries"] = {c: {k: draw(_SWITCH[k])} for c in draw(st.sets(st.sampled_from(COUNTRIES), max_size=2))
                                for k in [draw(st.sampled_from(list(SWITCHES)))]}
    d["params"] = dict(draw(st.lists(_PARAM, max_size=4)))
    d["events"] = []
    for _ in range(draw(st.integers(0, 3))):
        sets = {k: draw(_BUDGET if ".budget." in k else _SWITCH[k.split(".")[-1]]) for k in draw(_SETS)}
        d["events"].append({"month": draw(st.integers(1, months)), "set": sets})
    return d


@_FAST
@given(d=_valid_dicts())
def test_valid_dicts_round_trip(d):
    s = scenario_from_dict(d, countries=COUNTRIES)
    assert scenario_from_dict(s.to_dict(), countries=COUNTRIES) == s
    assert scenario_from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert scenario_from_dict(tomllib.loads(s.to_toml()), countries=COUNTRIES) == s

"""Security, tried adversarially: the guarantees quoted below, attacked one by one.

"Scenario and world files are data only (no eval, no pickle, no import of user paths); the app
serves nothing from the file system beyond its assets and accepts no file path from the page."

1. A static audit of the package source (``ast``): no eval/exec, no unpickling, no unsafe YAML,
   no dynamic import of a name that is not a literal, no shell. Each exception is listed in
   ALLOWED with the reason it is safe, and the audit fails on a new finding or a stale entry.
2. Scenario, world and sweep files (and ``--set``) that name Python objects, modules or file paths
   are refused with exit status 2 or kept as plain text; nothing in them is imported or run.
3. The app, started as ``drugmarket app --results DIR``, is asked over HTTP (raw paths, sent as
   they are) for files of the system, of the repository and of DIR, with path traversal in
   every encoding: no response carries a line of those files. Its asset proxy (/_solara/cdn/)
   must not delete or fetch anything.
"""

from __future__ import annotations

import ast
import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import cli

ROOT = Path(__file__).absolute().parent.parent
MOD = Path(__file__).stem
PACKAGES = ("model", "agents", "experiments", "viz", "benchmarks")


# =========================================================================== 1. static audit
#: calls that run code from text
CODE_FROM_TEXT = {"eval", "exec", "compile", "__import__", "breakpoint"}
#: modules whose loading runs code from the data (unpickling and friends)
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "cloudpickle", "dill", "marshal", "shelve", "joblib", "runpy"}
UNSAFE_CALLS = {"read_pickle", "unsafe_load", "full_load", "spec_from_file_location", "module_from_spec",
                "exec_module", "SourceFileLoader", "load_source", "run_path", "run_module"}
#: imports by name: fine with a literal, a finding with anything else
DYNAMIC_IMPORT = {"import_module", "__import__"}
SHELL_CALLS = {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput"}

#: (file, enclosing function, what) -> why it is safe
ALLOWED = {
    ("experiments/simulator.py", "_import_by_name", "dynamic import: importlib.import_module"):
        "the hidden testing hook --simulate module:function / DRUGMARKET_SIMULATE: given on the command line or "
        "in the environment by whoever runs the command, never read from a scenario, sweep, world or manifest "
        "file (test_files_cannot_choose_what_runs)",
    ("experiments/cli.py", "cmd_delegate", "dynamic import: importlib.import_module"):
        "imports the fixed targets of the DELEGATES table (reproduce, app, bench), never a name from the user",
    ("experiments/published/__init__.py", "<module>", "dynamic import: import_module"):
        "imports the fixed tuple _MODULES; `drugmarket reproduce NAME` only looks NAME up in the resulting "
        "EXPERIMENTS dict (test_reproduce_refuses_names_outside_its_list)",
}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else node.attr
    return ""


class Auditor(ast.NodeVisitor):
    """Findings as (enclosing function, what, line)."""

    def __init__(self):
        self.scope: list[str] = []
        self.findings: list[tuple[str, str, int]] = []

    def _add(self, what: str, node: ast.AST) -> None:
        self.findings.append((".".join(self.scope) or "<module>", what, node.lineno))

    def visit_FunctionDef(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Import(self, node):
        for a in node.names:
            if a.name.split(".")[0] in UNSAFE_MODULES:
                self._add(f"imports {a.name}", node)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        mod = (node.module or "").split(".")[0]
        if mod in UNSAFE_MODULES:
            self._add(f"imports from {node.module}", node)
        for a in node.names:
            if a.name in UNSAFE_CALLS:
                self._add(f"imports {a.name}", node)
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        if name in CODE_FROM_TEXT:
            self._add(f"code from text: {name}", node)
        if last in UNSAFE_CALLS or (name.split(".")[0] in UNSAFE_MODULES and last in ("load", "loads", "open")):
            self._add(f"unsafe load: {name}", node)
        if last == "load" and name.split(".")[0] == "yaml" and "safe" not in _dotted(kw.get("Loader", ast.Name(""))).lower():
            self._add(f"unsafe load: {name} without a safe Loader", node)
        if last == "load" and name.split(".")[0] in ("np", "numpy"):
            v = kw.get("allow_pickle")
            if v is not None and not (isinstance(v, ast.Constant) and v.value is False):
                self._add(f"unsafe load: {name}(allow_pickle=...)", node)
        if last in DYNAMIC_IMPORT and name != "__import__":
            arg = node.args[0] if node.args else kw.get("name")
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                self._add(f"dynamic import: {name}", node)
        if name in SHELL_CALLS:
            self._add(f"shell: {name}", node)
        shell = kw.get("shell")
        if shell is not None and not (isinstance(shell, ast.Constant) and shell.value in (False, None)):
            self._add(f"shell: {name}(shell=...)", node)
        self.generic_visit(node)


def audit_source(text: str) -> list[tuple[str, str, int]]:
    a = Auditor()
    a.visit(ast.parse(text))
    return a.findings


def audit_packages() -> dict[tuple[str, str, str], int]:
    found = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for scope, what, line in audit_source(path.read_text(encoding="utf-8")):
                found[(rel, scope, what)] = line
    return found


def test_the_audit_catches_what_it_looks_for():
    """The auditor itself: each pattern in a snippet is found, its safe forms are not."""
    bad = textwrap.dedent("""
        import pickle
        from cloudpickle import loads
        import yaml, importlib, subprocess, os
        import numpy as np
        def f(text, name, path):
            eval(text)
            exec(text)
            compile(text, "x", "exec")
            __import__(name)
            pickle.load(open(path, "rb"))
            yaml.load(text)
            yaml.load(text, Loader=yaml.FullLoader)
            np.load(path, allow_pickle=True)
            importlib.import_module(name)
            importlib.import_module(f"pkg.{name}")
            subprocess.run(text, shell=True)
            os.system(text)
            importlib.util.spec_from_file_location("m", path)
            pd.read_pickle(path)
    """)
    found = [what for _, what, _ in audit_source(bad)]
    for expected in ("imports pickle", "imports from cloudpickle", "code from text: eval", "code from text: exec",
                     "code from text: compile", "code from text: __import__", "unsafe load: pickle.load",
                     "unsafe load: np.load(allow_pickle=...)", "dynamic import: importlib.import_module",
                     "shell: subprocess.run(shell=...)", "shell: os.system",
                     "unsafe load: importlib.util.spec_from_file_location", "unsafe load: pd.read_pickle"):
        assert expected in found, expected
    assert found.count("unsafe load: yaml.load without a safe Loader") == 2
    assert found.count("dynamic import: importlib.import_module") == 2
    safe = textwrap.dedent("""
        import importlib, subprocess, yaml, json, tomllib
        import numpy as np
        importlib.import_module("model.scenario")
        subprocess.run(["git", "rev-parse", "HEAD"], shell=False)
        yaml.load(text, Loader=yaml.SafeLoader)
        yaml.safe_load(text)
        np.load(path)
        json.loads(text)
        tomllib.loads(text)
    """)
    assert audit_source(safe) == []


def test_package_source_has_no_code_from_data():
    found = audit_packages()
    unexpected = {k: line for k, line in found.items() if k not in ALLOWED}
    stale = [k for k in ALLOWED if k not in found]
    assert not unexpected, "\n".join(f"{f}:{line} in {scope}: {what}" for (f, scope, what), line in unexpected.items())
    assert not stale, f"allow-list entries that no longer match the code (remove them): {stale}"


# =========================================================================== 2. files are data
def fake_simulate(scenario, seed: int) -> pd.DataFrame:
    d = scenario.to_dict()
    m = int(d["months"])
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"scenario": d["name"], "seed": seed, "month": np.arange(1, m + 1),
                         "overdose_deaths": 9000.0 + rng.normal(0, 10, m)})


SIM = ["--simulate", f"{MOD}:fake_simulate"]


def _main(capsys, *argv) -> tuple[int, str, str]:
    rc = cli.main(list(argv))
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


@pytest.fixture
def canary(tmp_path, monkeypatch):
    """A Python module and a script that, if ever imported or run, create tmp_path/PWNED."""
    marker = tmp_path / "PWNED"
    code = f"open({str(marker)!r}, 'w').write('x')\ndef boom(*a, **k):\n    open({str(marker)!r}, 'w').write('x')\n"
    (tmp_path / "evilmod.py").write_text(code)
    (tmp_path / "evil.py").write_text(code)
    (tmp_path / "evil.toml.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))  # importable, so that an import would succeed
    monkeypatch.chdir(tmp_path)
    sys.modules.pop("evilmod", None)
    yield marker
    assert not marker.exists(), "a file's value was imported or run"


SECRET = "SECRET-LINE-3f9c1a do not leak"


def _scenario(tmp_path, body: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(body))
    return p


@pytest.mark.parametrize("world, message", [
    ("/etc/passwd", "is not valid TOML"),
    ("../../x", "no such world file"),
    ("secret.txt", "is not valid TOML"),
    ("evil.py", "is not valid TOML"),
    ("evilmod", "no such world file"),
    ("os.path", "no such world file"),
    (".", "no such world file"),
    ("/dev/zero", "no such world file"),
    ("pyproject.toml", "unknown key"),
])
def test_world_paths_in_a_scenario_are_read_as_toml_data_or_refused(world, message, tmp_path, canary, capsys):
    if world == "/etc/passwd" and not Path(world).is_file():
        pytest.skip("no /etc/passwd")
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    f = _scenario(tmp_path, f'name = "w"\nmonths = 2\nworld = "{world}"\n')
    rc, out, err = _main(capsys, "run", str(f), "--out", str(tmp_path / "o"), "--backend", "serial", *SIM)
    assert rc == 2 and err.startswith("error: ") and message in err and "Traceback" not in err
    assert SECRET not in err + out
    if Path("/etc/passwd").is_file():
        first = Path("/etc/passwd").read_text().splitlines()[0]
        assert first not in err + out
    assert not (tmp_path / "o" / "parts").exists()  # refused before any run


def test_a_sweep_cannot_slip_a_world_path_past_the_check(tmp_path, canary, capsys):
    """A sweep's [base] world or a factor over `world` is checked before any run (exit 2),
    like `run` and `compare` (rather than every run failing with the same error)."""
    base = _scenario(tmp_path, """
        name = "w"
        design = "factorial"
        [base]
        months = 2
        world = "evil.py"
        [factors]
        "policy.budget.treatment" = [1.0e8, 2.0e8]
    """, "sw1.toml")
    rc, _, err = _main(capsys, "sweep", str(base), "--out", str(tmp_path / "o1"), "--backend", "serial", *SIM)
    assert rc == 2 and "evil.py is not valid TOML" in err and not (tmp_path / "o1" / "parts").exists()
    factor = _scenario(tmp_path, """
        name = "w2"
        design = "factorial"
        [base]
        months = 2
        [factors]
        world = ["/etc/passwd", "evilmod"]
    """, "sw2.toml")
    rc, _, err = _main(capsys, "sweep", str(factor), "--out", str(tmp_path / "o2"), "--backend", "serial", *SIM)
    assert rc == 2 and "world" in err and "Traceback" not in err and not (tmp_path / "o2" / "parts").exists()


@pytest.mark.parametrize("body, message", [
    ('simulate = "evilmod:boom"\n', "simulate"),
    ('import = "evilmod"\n', "import"),
    ('__class__ = "evilmod"\n', "__class__"),
    ('preset = "evilmod"\n', "preset"),
    ('preset = "__import__(\'evilmod\')"\n', "preset"),
    ('[policy.budget]\ntreatment = "__import__(\'evilmod\').boom()"\n', "policy.budget.treatment"),
    ('[policy]\ndecriminalize_possession = "evilmod:boom"\n', "policy.decriminalize_possession"),
    ('[params]\n"__globals__" = 1\n', "__globals__"),
    ('[policy]\n"__dict__" = 1\n', "__dict__"),
    ('months = "__import__(\'os\').system(\'touch PWNED\')"\n', "months"),
])
def test_scenario_values_naming_python_objects_are_refused(body, message, tmp_path, canary, capsys):
    f = _scenario(tmp_path, 'name = "x"\n' + body)
    rc, _, err = _main(capsys, "run", str(f), "--out", str(tmp_path / "o"), "--backend", "serial", *SIM)
    assert rc == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize("override", [
    "__class__=1", "policy.__dict__=1", "params.__globals__=1", "policy.budget.__init__=1",
    "simulate=evilmod:boom", "policy.budget.treatment=__import__('evilmod')", "world=evilmod",
])
def test_set_overrides_naming_python_objects_are_refused(override, tmp_path, canary, capsys):
    rc, _, err = _main(capsys, "run", "--set", override, "--months", "2", "--out", str(tmp_path / "o"),
                       "--backend", "serial", *SIM)
    assert rc == 2 and err.startswith("error: ") and "Traceback" not in err


def test_code_in_a_name_is_plain_text(tmp_path, canary, capsys):
    """A scenario name holding code and path traversal is a label: the run goes on, nothing runs,
    and the default output folder stays inside results/."""
    name = "../../__import__('evilmod').boom()"
    rc, out, err = _main(capsys, "run", "--set", f"name={name}", "--months", "2", "--seeds", "1", "--no-figure",
                         "--backend", "serial", *SIM)
    assert rc == 0, err
    made = [p for p in tmp_path.iterdir() if p.name not in ("evilmod.py", "evil.py", "evil.toml.py", "__pycache__")]
    assert [p.name for p in made] == ["results"]
    (folder,) = (tmp_path / "results").iterdir()
    assert ".." not in folder.name and "/" not in folder.name
    df = pd.read_parquet(folder / "results.parquet")
    assert (df["scenario"] == name).all()


@pytest.mark.parametrize("body, message", [
    ('simulate = "evilmod:boom"\n', "simulate"),
    ('name = "../../escape"\n', "name"),
    ('[outputs]\noverdose_deaths = "__class__"\n', "outputs.overdose_deaths"),
    ('[outputs]\noverdose_deaths = "evilmod:boom"\n', "outputs.overdose_deaths"),
])
def test_sweep_files_naming_python_objects_are_refused(body, message, tmp_path, canary, capsys):
    head = 'design = "factorial"\n[base]\nmonths = 2\n[factors]\n"policy.budget.treatment" = [1.0e8, 2.0e8]\n'
    f = _scenario(tmp_path, body + head if not body.startswith("[") else head + body, "sw.toml")
    rc, _, err = _main(capsys, "sweep", str(f), "--out", str(tmp_path / "o"), "--backend", "serial", *SIM)
    assert rc == 2 and message in err and "Traceback" not in err


def test_files_cannot_choose_what_runs(tmp_path, canary, capsys):
    """The manifest records the simulate function and the command; --resume reads neither back
    (it runs what the command line says), so an edited manifest cannot make it import a module."""
    out = tmp_path / "o"
    rc, _, err = _main(capsys, "run", "--months", "2", "--seeds", "2", "--out", str(out), "--no-figure",
                       "--backend", "serial", *SIM)
    assert rc == 0, err
    m = json.loads((out / "manifest.json").read_text())
    m["simulate"] = "evilmod:boom"
    m["command"] = ["python", "-c", "import evilmod"]
    for t in m["tasks"]:
        t["status"] = "pending"
    (out / "manifest.json").write_text(json.dumps(m))
    (out / "parts" / "000001.parquet").unlink()
    rc, _, err = _main(capsys, "run", "--months", "2", "--seeds", "2", "--out", str(out), "--no-figure", "--resume",
                       "--backend", "serial", *SIM)
    assert rc == 0, err
    assert json.loads((out / "manifest.json").read_text())["simulate"] == f"{MOD}:fake_simulate"


@pytest.mark.parametrize("name", ["../../etc/x", "os", "evilmod", "__init__", "reproduce", "base",
                                  "experiments.published.t01_markups", "t01_markups.py", "/etc/passwd", ""])
def test_reproduce_refuses_names_outside_its_list(name, tmp_path, canary, capsys, monkeypatch):
    """`drugmarket reproduce NAME` looks NAME up in the fixed EXPERIMENTS dict: anything else is exit 2,
    before any experiment runs and without importing anything by that name."""
    from experiments.published import reproduce

    def never(*a, **k):
        raise AssertionError("an experiment ran")

    monkeypatch.setattr(reproduce, "run_experiments", never)
    before = set(sys.modules)
    rc, _, err = _main(capsys, "reproduce", name)
    assert rc == 2 and "unknown experiment" in err and "Traceback" not in err
    assert not {m for m in set(sys.modules) - before if "evil" in m or m == name}


# =========================================================================== 3. the app over HTTP
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, timeout: float = 60.0) -> tuple[int, bytes, float]:
    """GET ``path`` exactly as given (http.client does not normalise it)."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.read(), time.monotonic() - t0
    finally:
        conn.close()


def _line(path: Path, min_len: int = 25) -> str:
    """A distinctive line of a text file."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if len(line.strip()) >= min_len:
            return line.strip()
    raise AssertionError(f"no long line in {path}")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """`drugmarket app --results DIR` with an asset cache holding a canary package (so that a
    faulty proxy can only damage that copy, never the installed assets)."""
    from experiments.runner import run_scenarios
    from model.scenario import load_scenario
    from viz.process import stop_process_group

    tmp = tmp_path_factory.mktemp("app")
    results = tmp / "results"
    run_scenarios([load_scenario(None, ["name=sec-canary-run", "months=3"])], 2, simulate=fake_simulate,
                  backend="serial", out=results / "run1", progress=False)
    cache = tmp / "cdn"
    (cache / "canary@1.0.0" / "dist").mkdir(parents=True)
    (cache / "canary@1.0.0" / "dist" / "canary.js").write_text("/* CANARY-ASSET-77 */\n")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache)}
    env.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "drugmarket" / "numba"))
    log = tmp / "server.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "app", "--port", str(port),
                                 "--preset", "tiny", "--results", str(results)],
                                cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(port, "/", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"drugmarket app did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield {"port": port, "results": results, "cache": cache, "log": log, "proc": proc}
    finally:
        stop_process_group(proc)


def _known_files(results: Path) -> dict[str, str]:
    """Files the app must never serve -> a line of each that must never appear in a response."""
    import solara.server.server as solara_server

    files = {
        "pyproject.toml": 'name = "drugmarket"',
        "README.md": _line(ROOT / "README.md"),
        "model/params.py": _line(ROOT / "model" / "params.py"),
        "viz/app.py": _line(ROOT / "viz" / "app.py"),
        "solara server source": "def read_root(",
        "results manifest": '"manifest_version"',
        "results part": "PAR1",
    }
    assert files["solara server source"] in Path(solara_server.__file__).read_text()
    if Path("/etc/passwd").is_file():
        files["/etc/passwd"] = Path("/etc/passwd").read_text().splitlines()[0]
    cfg = Path(sys.prefix) / "pyvenv.cfg"
    if cfg.is_file():
        files["pyvenv.cfg"] = _line(cfg, 8)
    return files


def _attack_paths(results: Path) -> list[str]:
    r = results.as_posix()
    rel_parts = "/".join([".."] * 12)
    paths = [
        "/etc/passwd", "//etc/passwd", "/../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
        "/%252e%252e/%252e%252e/etc/passwd", "/..\\..\\etc\\passwd", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "/README.md", "/pyproject.toml", "/model/params.py", "/viz/app.py", "/static/viz/app.py",
        "/static/../../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2f..%2f..%2fpyproject.toml",
        "/static/..%5c..%5cpyproject.toml", "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/../server.py",
        "/static/%2e%2e/server.py", "/static/..%2fserver.py", f"/static/{rel_parts}/etc/passwd",
        "/static/public/pyproject.toml", "/static/public/README.md", "/static/public/model/params.py",
        "/static/public/../../pyproject.toml", "/static/public/%2e%2e/%2e%2e/pyproject.toml", "/static/public/app.py",
        "/static/assets/README.md", "/static/assets/app.py", "/static/assets/../../../pyproject.toml",
        "/static/assets/%2e%2e/%2e%2e/%2e%2e/README.md", "/static/assets/%2e%2e/%2e%2e/server/server.py",
        f"/static/assets/{rel_parts}/etc/passwd",
        "/jupyter/nbextensions/../../../../pyvenv.cfg", "/jupyter/nbextensions/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyvenv.cfg",
        f"/jupyter/nbextensions/{rel_parts}/etc/passwd", "/jupyter/nbextensions/%2fetc%2fpasswd",
        "/_solara/cdn/../../../../../etc/passwd", "/_solara/cdn/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyvenv.cfg",
        "/_solara/cdn/..%2f..%2f..%2f..%2fpyvenv.cfg", "/_solara/cdn//etc/passwd", "/_solara/cdn/%2fetc%2fpasswd",
        f"/_solara/cdn/{rel_parts}/etc/passwd", "/_solara/cdn/..", "/_solara/cdn/%2e%2e",
        "/_solara/api/close/..%2f..%2fetc%2fpasswd", "/jupyter/api/kernels/..%2f..%2fetc%2fpasswd",
        "/resourcez?path=/etc/passwd", "/?path=/etc/passwd", "/?results=/etc",
        "/manifest.json", "/run1/manifest.json", "/results/run1/manifest.json", "/parts/000000.parquet",
        "/run1/parts/000000.parquet", f"{r}/run1/manifest.json", f"/static{r}/run1/manifest.json",
        f"/static/public{r}/run1/manifest.json", f"/static/assets/{rel_parts}{r}/run1/manifest.json",
        f"/static/{rel_parts}{r}/run1/parts/000000.parquet", f"/_solara/cdn/{rel_parts}{r}/run1/manifest.json",
        f"/jupyter/nbextensions/{rel_parts}{r}/run1/manifest.json",
    ]
    return paths


@pytest.mark.slow
def test_app_serves_no_file_beyond_its_assets(app):
    port, results = app["port"], app["results"]
    known = _known_files(results)
    # not vacuous: the server answers, serves its own assets, and the canary asset through the proxy
    status, body, _ = _get(port, "/static/main-vuetify.js")
    assert status == 200 and len(body) > 1000
    status, body, _ = _get(port, "/_solara/cdn/canary@1.0.0/dist/canary.js")
    assert status == 200 and b"CANARY-ASSET-77" in body
    leaks = []
    for path in _attack_paths(results):
        status, body, _ = _get(port, path)
        text = body.decode("utf-8", "replace")
        for what, line in known.items():
            if line in text:
                leaks.append(f"{path} -> {status}: contains a line of {what}")
    assert not leaks, "\n".join(leaks)
    assert app["proc"].poll() is None


@pytest.mark.slow
def test_app_asset_proxy_deletes_and_fetches_nothing(app):
    """Solara 1.64's proxy deleted a cached *folder* a request named (shutil.rmtree) and then tried
    the public CDN (4 tries, 7 s of back-off): one anonymous GET could wipe the app's offline
    assets. viz/app.py makes the proxy serve cached files only."""
    port, cache = app["port"], app["cache"]
    for path in ("/_solara/cdn/canary@1.0.0/dist", "/_solara/cdn/canary@1.0.0/dist/", "/_solara/cdn/canary@1.0.0",
                 "/_solara/cdn/canary@1.0.0/dist/../dist", "/_solara/cdn/canary@1.0.0/dist/%2e"):
        status, body, seconds = _get(port, path)
        assert status == 404, (path, status)
        assert (cache / "canary@1.0.0" / "dist" / "canary.js").is_file(), f"{path} deleted the cached folder"
        assert seconds < 3, f"{path} took {seconds:.1f} s (a fetch from the CDN?)"
    status, _, seconds = _get(port, "/_solara/cdn/left-pad@1.3.0/index.js")  # not cached: not fetched
    assert status == 404 and seconds < 3
    assert not (cache / "left-pad@1.3.0").exists()
    assert "Could not load URL" not in app["log"].read_text()

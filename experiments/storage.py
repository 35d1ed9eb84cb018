"""Where experiments put their results: one Parquet part per run and a manifest.

Layout of an output directory ``OUT``::

    OUT/manifest.json        what was run: git commit, package versions, command,
                             design, seeds, and one entry per task (status, error,
                             wall seconds, Dask worker deaths); after --resume also
                             what each earlier session left (earlier_sessions);
                             rewritten atomically
    OUT/parts/000012.parquet the rows of task 12, written atomically as soon as the
                             task finishes (a killed run loses only unfinished tasks)
    OUT/results.parquet      (run, compare) all rows in one file, written at the end
    OUT/design.parquet       (sweep) one row per design point: factor values, seeds

A part is written to a hidden temporary file in ``parts/`` (names starting with
``.`` are ignored by Parquet readers), flushed and fsync'ed, then renamed over its
final name with :func:`os.replace`, so a part is either absent or complete. The
parts are the record of what finished: ``--resume`` trusts a part only if it can be
read, and reruns everything else.

Query the parts in place with pandas (:func:`read_results`) or DuckDB
(``SELECT * FROM read_parquet('OUT/parts/*.parquet')``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable

import pandas as pd

PARTS = "parts"
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
#: files of an output directory that --overwrite removes (besides the parts)
OUTPUT_FILES = (
    MANIFEST, "results.parquet", "outcomes.png", "design.parquet", "outputs.parquet", "sensitivity.csv",
    "sensitivity.png", "compare.csv", "compare.png", "per_seed.csv", "columns.csv",
)

#: packages whose versions the manifest records (the first five are required by the design)
RECORDED_PACKAGES = ("mesa", "numpy", "numba", "pandas", "pyarrow", "scipy", "SALib", "dask", "distributed")


# --------------------------------------------------------------------------- atomic files
def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write`` on a hidden temporary file next to ``path``, fsync it and rename it over
    ``path``, so that readers see the old file or the whole new one (never a part)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    _atomic_write(path, lambda fh: fh.write(data))


def atomic_write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``df`` as Parquet to ``path`` atomically (temporary file, fsync, rename)."""
    _atomic_write(path, lambda fh: df.to_parquet(fh, index=False))


def atomic_write_json(obj: Any, path: str | os.PathLike) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=_json_default) + "\n").encode())


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.integer):
            return int(o)
        if isinstance(o, np.floating):
            return float(o)
        if isinstance(o, np.bool_):
            return bool(o)
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(o, (set, tuple)):
        return list(o)
    if isinstance(o, Path):
        return str(o)
    return repr(o)


# --------------------------------------------------------------------------- provenance
def git_commit(path: str | os.PathLike | None = None) -> str | None:
    """The commit of the repository that holds this package (``git rev-parse HEAD``), or None."""
    where = Path(path) if path is not None else Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    return sha if out.returncode == 0 and sha else None


def git_dirty(path: str | os.PathLike | None = None) -> bool | None:
    """True if the work tree has uncommitted changes to tracked files, None if unknown."""
    where = Path(path) if path is not None else Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where, capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip()) if out.returncode == 0 else None


def package_versions() -> dict[str, str | None]:
    """Versions of Python and the packages results depend on (None if not installed)."""
    from importlib import metadata

    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def task_fingerprint(scenario: dict, seed: int) -> str:
    """A short hash of what a task computes; resume refuses a directory whose tasks differ."""
    blob = json.dumps({"scenario": scenario, "seed": int(seed)}, sort_keys=True, default=_json_default)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- the store
def _part_files(parts: Path) -> list[Path]:
    """The Parquet parts in ``parts``, in task order (hidden temporary files excluded)."""
    return sorted(p for p in parts.glob("*.parquet") if not p.name.startswith((".", "_")))


class ResultStore:
    """An output directory: parts, manifest and the combined results."""

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out)
        self.parts = self.out / PARTS
        self.manifest_path = self.out / MANIFEST

    # -- parts
    def part_path(self, task_id: int) -> Path:
        return self.parts / f"{int(task_id):06d}.parquet"

    def prepare(self) -> None:
        """Create the directories and remove temporary files a killed writer left behind."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for stale in [*self.parts.glob(".tmp-*"), *self.out.glob(".tmp-*")]:
            try:
                stale.unlink()
            except OSError:
                pass

    def existing_parts(self) -> list[Path]:
        return _part_files(self.parts) if self.parts.is_dir() else []

    def write_part(self, task_id: int, df: pd.DataFrame) -> Path:
        path = self.part_path(task_id)
        atomic_write_parquet(df, path)
        return path

    def part_ok(self, task_id: int) -> bool:
        """True if the part of ``task_id`` exists and can be read; an unreadable part is deleted."""
        path = self.part_path(task_id)
        if not path.exists():
            return False
        try:
            import pyarrow.parquet as pq

            # the footer holds the schema and row count; a truncated file has none
            return pq.ParquetFile(path).metadata.num_rows >= 0
        except Exception:
            try:
                path.unlink()
            except OSError:
                pass
            return False

    def clear(self) -> None:
        """Delete parts, manifest and combined results (``--overwrite``)."""
        for p in self.existing_parts():
            p.unlink()
        for name in OUTPUT_FILES:
            p = self.out / name
            if p.exists():
                p.unlink()

    # -- manifest
    def read_manifest(self) -> dict | None:
        try:
            with open(self.manifest_path) as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def write_manifest(self, manifest: dict) -> None:
        atomic_write_json(manifest, self.manifest_path)


def new_manifest(
    *,
    kind: str,
    command: list[str] | str | None,
    design: dict | None,
    seeds: Iterable[int],
    tasks: Iterable[dict],
    backend: str | None = None,
) -> dict:
    """A manifest for a new run. ``tasks`` are dicts with at least ``id``."""
    if command is None:
        command = [Path(sys.argv[0]).name, *sys.argv[1:]]
    return {
        "manifest_version": MANIFEST_VERSION,
        "kind": kind,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "updated": None,
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "versions": package_versions(),
        "host": platform.node(),
        "command": command,
        "backend": backend,
        "design": design,
        "seeds": [int(s) for s in seeds],
        "tasks": [
            {"status": "pending", "error": None, "traceback": None, "wall_seconds": None, "worker_deaths": 0, **t}
            for t in tasks
        ],
    }


def read_results(out: str | os.PathLike, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """All rows of all finished tasks in ``out``, in task order then month.

    ``out`` is an output directory (its ``parts/`` is read) or a parts directory.
    Reads the parts in one call (``pandas.read_parquet`` of the directory).
    ``columns``: read only these (``task_id`` and ``month`` are added for ordering).
    """
    out = Path(out)
    parts = out / PARTS if (out / PARTS).is_dir() else out
    if not parts.is_dir():
        raise FileNotFoundError(f"{out}: no such results directory")
    files = _part_files(parts)
    if not files:
        return pd.DataFrame()
    cols = None
    if columns is not None:
        cols = list(dict.fromkeys(["task_id", "month", *columns]))
    try:
        df = pd.read_parquet(parts, columns=cols)
    except Exception:
        # parts whose schemas differ (e.g. a column all-integer in one run, float in
        # another) cannot be read as one dataset: read them one by one
        frames = [pd.read_parquet(p) for p in files]
        df = pd.concat(frames, ignore_index=True)
        if cols is not None:
            df = df[[c for c in cols if c in df.columns]]
    keys = [c for c in ("task_id", "month") if c in df.columns]
    if keys:
        df = df.sort_values(keys, kind="stable")
    return df.reset_index(drop=True)

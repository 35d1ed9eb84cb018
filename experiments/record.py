"""The record of a run of tasks: each task's status in the report and, given an output
directory, each finished task's part written at once and a manifest kept up to date.

The parts are the record of what finished (see :mod:`experiments.storage`); the
manifest says what was run and what happened to each task. A part that cannot be
written as Parquet fails its task only; an OSError (disk full, permissions, I/O)
stops the run with :class:`~experiments.errors.StorageFailed`, as it would fail every
later task too. See docs/reliability.md.
"""

from __future__ import annotations

import time
from typing import Sequence

from .errors import ExperimentError, StorageFailed
from .options import RunOptions
from .progress import as_progress
from .report import RunReport
from .simulator import simulate_name
from .storage import ResultStore, new_manifest, task_fingerprint
from .tasks import Task, TaskResult, failed_result


class Recorder:
    """Records the results of the tasks of one run (see the module docstring).

    With ``options.resume``, tasks whose part exists and is readable count as done (an
    unreadable part is deleted and its task rerun), and what the earlier sessions left
    is kept in the manifest's ``earlier_sessions``. The manifest is rewritten after a
    failed task, at most every ``manifest_interval`` seconds otherwise, and at the end."""

    def __init__(self, tasks: Sequence[Task], options: RunOptions, *, kind: str, design: dict | None,
                 seeds: Sequence[int], manifest_interval: float):
        self.store = ResultStore(options.out) if options.out is not None else None
        status = {t.task_id: "pending" for t in tasks}
        self.report = RunReport(list(tasks), status, {}, self.store.out if self.store else None)
        self.manifest: dict | None = None
        self.entries: dict[int, dict] = {}
        self.manifest_interval = manifest_interval
        if self.store is not None:
            self._open(tasks, options, kind=kind, design=design, seeds=seeds)
        self.report.resumed = len(tasks) - len(self.pending())
        self.progress = as_progress(options.progress, len(tasks)).start(already=self.report.resumed)
        self._started = time.perf_counter()
        self._last_write = time.monotonic()

    def pending(self) -> list[Task]:
        """The tasks still to run, in task order."""
        return [t for t in self.report.tasks if self.report.status[t.task_id] != "done"]

    # -- the start
    def _open(self, tasks: Sequence[Task], options: RunOptions, *, kind: str, design: dict | None,
              seeds: Sequence[int]) -> None:
        """Check and prepare the output directory and write the first manifest."""
        store = self.store
        check_output_dir(store, tasks, resume=options.resume, overwrite=options.overwrite)
        if options.overwrite and not options.resume:
            store.clear()
        store.prepare()
        old = store.read_manifest() if options.resume else None
        manifest = new_manifest(
            kind=kind, command=options.command, design=design, seeds=seeds,
            tasks=[t.describe() for t in tasks], backend=options.backend or ("dask" if options.address else "local"),
        )
        manifest["simulate"] = simulate_name(options.simulate)
        if old:
            manifest["created"] = old.get("created", manifest["created"])
            manifest["resumed"] = int(old.get("resumed", 0)) + 1
            manifest["earlier_sessions"] = [*old.get("earlier_sessions", []), _session_summary(old)]
        self.manifest = manifest
        self.entries = {e["id"]: e for e in manifest["tasks"]}
        if options.resume:
            self._keep_saved(tasks, old)
        self._write_manifest()  # with counts from the start, so every version has them

    def _keep_saved(self, tasks: Sequence[Task], old: dict | None) -> None:
        """Mark done the tasks whose part was saved by an earlier session."""
        old_entries = {e.get("id"): e for e in (old or {}).get("tasks", [])}
        for t in tasks:
            if self.store.part_ok(t.task_id):
                self.report.status[t.task_id] = "done"
                e = self.entries[t.task_id]
                e["status"] = "done"
                e["wall_seconds"] = old_entries.get(t.task_id, {}).get("wall_seconds")

    # -- while running
    def record(self, res: TaskResult) -> None:
        """Save a task's result and note its status; raise StorageFailed if the disk fails."""
        res, lost = self._save(res)
        self.report.status[res.task_id] = res.status
        if res.status != "done":
            self.report.errors[res.task_id] = res.error or "unknown error"
        if self.manifest is not None:
            self.entries[res.task_id].update(status=res.status, error=res.error, traceback=res.traceback,
                                             wall_seconds=round(res.wall_seconds, 4))
            self._maybe_write_manifest(force=res.status == "failed")
        self.progress.advance(ok=res.status == "done")
        if lost is not None:
            # a storage fault (disk full, permissions, I/O) would lose every later run too: stop
            raise StorageFailed(
                f"cannot save the results of task {res.task_id} in {self.store.parts}: {lost}; "
                f"{self.report.n_done} finished runs are kept in {self.store.out} "
                "(fix the cause, e.g. free disk space, and rerun the same command with --resume)", self.report)

    def _save(self, res: TaskResult) -> tuple[TaskResult, OSError | None]:
        """Write a finished task's part (or keep its rows in memory). A write that fails turns
        the result into a failure; an OSError is also returned, to stop the run."""
        if res.status != "done":
            return res, None
        if self.store is None:
            self.report.keep_rows(res.task_id, res.frame)
            return res, None
        try:
            self.store.write_part(res.task_id, res.frame)
        except Exception as exc:  # noqa: BLE001 - the run is recorded as failed, not lost silently
            failed = failed_result(res.task_id, f"results not saved: {type(exc).__name__}: {exc}", exc, res.wall_seconds)
            return failed, exc if isinstance(exc, OSError) else None
        return res, None

    def _maybe_write_manifest(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_write >= self.manifest_interval:
            try:
                self._write_manifest()
            except OSError:
                pass  # the parts are the record; the manifest is written again at the end
            self._last_write = now

    def note_deaths(self, task_id: int, n: int) -> None:
        """``n`` Dask worker processes died while they held this task (Dask reran it)."""
        self.report.worker_deaths[task_id] = n
        if self.manifest is not None:
            self.entries[task_id]["worker_deaths"] = n

    # -- the end
    def close(self, stopping: BaseException | None) -> None:
        """Finish the progress line and write the final manifest. ``stopping``: the error or
        interrupt that stopped the run, if any (a failed manifest write then does not hide it)."""
        self.report.elapsed = time.perf_counter() - self._started
        self.progress.close()
        if self.manifest is None:
            return
        # an interrupt may land between writing a part and recording it: the parts decide
        for tid, e in self.entries.items():
            if e["status"] == "pending" and self.store.part_path(tid).exists():
                e["status"] = self.report.status[tid] = "done"
        try:
            self._write_manifest()
        except OSError as exc:
            if stopping is None:
                raise StorageFailed(
                    f"cannot write {self.store.manifest_path}: {exc}; the {self.report.n_done} finished runs are in "
                    f"{self.store.parts} (fix the cause and rerun the same command with --resume)",
                    self.report) from exc

    def _write_manifest(self) -> None:
        manifest = self.manifest
        manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        counts = {"done": 0, "failed": 0, "pending": 0}
        for e in manifest["tasks"]:
            counts[e["status"]] = counts.get(e["status"], 0) + 1
        manifest["counts"] = counts
        manifest["worker_deaths"] = sum(int(e.get("worker_deaths") or 0) for e in manifest["tasks"])
        self.store.write_manifest(manifest)


def _session_summary(old: dict) -> dict:
    """What an earlier session of a resumed run left: its counts, the errors of its failed runs
    and the worker deaths its runs met (the new session's entries replace them)."""
    tasks = old.get("tasks", [])
    return {
        "created": old.get("created"),
        "updated": old.get("updated"),
        "command": old.get("command"),
        "backend": old.get("backend"),
        "counts": old.get("counts"),
        "failed": {str(e.get("id")): e.get("error") for e in tasks if e.get("status") == "failed"},
        "worker_deaths": {str(e.get("id")): e.get("worker_deaths") for e in tasks if e.get("worker_deaths")},
    }


def check_output_dir(store: ResultStore, tasks: Sequence[Task], *, resume: bool, overwrite: bool) -> None:
    """Refuse an output directory that holds other results: with parts but neither ``resume``
    nor ``overwrite``, or (``resume``) started with different tasks."""
    if resume and overwrite:
        raise ExperimentError("choose one of --resume and --overwrite")
    parts = store.existing_parts()
    if resume:
        old = store.read_manifest()
        if old is None:
            if parts:
                raise ExperimentError(f"{store.out} has result parts but no readable manifest.json; cannot resume safely")
            return
        old_fp = {e.get("id"): e.get("fingerprint") for e in old.get("tasks", [])}
        new_fp = {t.task_id: task_fingerprint(t.scenario, t.seed) for t in tasks}
        if old_fp != new_fp:
            raise ExperimentError(
                f"{store.out} was started with a different scenario, design or seeds; "
                "resume with the same inputs, choose another --out, or pass --overwrite"
            )
        return
    if parts and not overwrite:
        raise ExperimentError(
            f"{store.out} already holds {len(parts)} finished runs; pass --resume to continue them, "
            "--overwrite to replace them, or choose another --out"
        )

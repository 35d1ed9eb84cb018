"""What a run of tasks left: the status of each task, its errors, and its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pandas as pd

from .storage import read_results
from .tasks import Task


@dataclass
class RunReport:
    tasks: list[Task]
    status: dict[int, str]
    errors: dict[int, str]
    out: Path | None
    resumed: int = 0
    elapsed: float = 0.0
    #: task id -> times a Dask worker process died while the task was assigned to it or it held
    #: the task's result (Dask then ran it again elsewhere; see backends._dask_executor)
    worker_deaths: dict[int, int] = field(default_factory=dict)
    _frames: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def n_done(self) -> int:
        return sum(1 for s in self.status.values() if s == "done")

    @property
    def n_failed(self) -> int:
        return sum(1 for s in self.status.values() if s == "failed")

    @property
    def failed(self) -> list[int]:
        return [t for t, s in self.status.items() if s == "failed"]

    def failure_summary(self) -> str:
        n, total = self.n_failed, len(self.tasks)
        if not n:
            return f"all {total} runs finished"
        first = self.failed[0]
        where = f"; errors and tracebacks are in {self.out / 'manifest.json'}" if self.out else ""
        return f"{n} of {total} runs failed (first: task {first}: {self.errors.get(first)}){where}"

    def keep_rows(self, task_id: int, frame: pd.DataFrame) -> None:
        """Keep a finished task's rows in memory (a run without an output directory)."""
        self._frames[task_id] = frame

    def results(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Rows of all finished tasks of this run, in task order then month."""
        ids = [t.task_id for t in self.tasks if self.status.get(t.task_id) == "done"]
        if self.out is not None:
            df = read_results(self.out, columns=columns)
            if len(df) and "task_id" in df.columns:
                df = df[df["task_id"].isin(ids)].reset_index(drop=True)
            return df
        frames = [self._frames[i] for i in sorted(ids) if i in self._frames]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        return df[list(columns)] if columns is not None else df

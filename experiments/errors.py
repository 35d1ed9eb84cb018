"""The errors an experiment raises, and what the command line does with each."""


class ExperimentError(ValueError):
    """Bad input to an experiment (a sweep file, an output directory, options).
    The CLI prints it as ``error: <message>`` and exits with status 2."""


class StorageFailed(RuntimeError):
    """A finished run's results could not be written (disk full, no permission, I/O error).
    The run stops: the runs saved before are kept, the others stay pending, and
    ``--resume`` continues once the cause is fixed. The CLI prints it and exits with 1."""

    def __init__(self, message: str, report):  # report: the RunReport of the stopped run
        self.report = report
        super().__init__(message)


class TasksFailed(RuntimeError):
    """Some runs raised. Raised after all other runs finished and were saved; ``.report``
    holds the details (errors and tracebacks are also in OUT/manifest.json)."""

    def __init__(self, report):  # report: the RunReport of the finished run
        self.report = report
        super().__init__(report.failure_summary())

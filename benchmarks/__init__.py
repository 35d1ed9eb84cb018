"""Performance benchmarks for drugmarket: ``python -m benchmarks [--quick] [--json]``.

One command measures, on the same world and seed:

- kernels: agent-steps per second of the user and farmer kernels against the same
  rules through the plain-Mesa reference agents (``benchmarks.kernels``);
- memory bandwidth with a STREAM-like copy, bytes moved per agent-step, and the
  kernels' fraction of the bandwidth (``benchmarks.bandwidth``);
- whole runs of the workshop, national and full presets, each in a fresh
  subprocess, with wall time, peak memory and a phase breakdown, and a scaling
  curve over the number of user agents (``benchmarks.runs``, ``benchmarks.child``);
- sweep throughput on the local backend (``benchmarks.sweep``);
- numba compile time, cold and warm (``benchmarks.runs``).

``benchmarks.report`` compares the figures with the performance targets and
prints the table; docs/performance.md explains the numbers.
"""

SCHEMA_VERSION = 1

"""The documentation site (make docs): the Markdown of docs/ with MyST, and the notebooks of
docs/notebooks/ run by MyST-NB at the tiny preset each time the site builds."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")  # for the notebooks' kernel

project = "drugmarket"
author = "the drugmarket authors"
extensions = ["myst_nb"]
source_suffix = {".md": "myst-nb"}
exclude_patterns = ["_build", "jupyter_execute"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "force"          # run every notebook on every build: they show this checkout's model
nb_execution_timeout = 600
nb_execution_raise_on_error = True   # a notebook that fails fails the build
suppress_warnings = ["myst.xref_missing", "myst.header", "misc.highlighting_failure"]
html_theme = "alabaster"
html_static_path = []

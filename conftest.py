"""Test-suite set-up shared by unit tests, doctests and notebooks (nbval).

Answer sheets go to a temporary workbook folder, never the user's own, and every
kernel nbval starts inherits that (environment variables are set before kernels start).
"""
import os
import tempfile

import matplotlib

matplotlib.use("Agg")


def pytest_configure(config):
    os.environ["CASEKIT_HOME"] = tempfile.mkdtemp(prefix="casekit-test-home-")
    os.environ.pop("CASEKIT_STUDENT", None)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")  # silences jupyter_core's path-migration warning

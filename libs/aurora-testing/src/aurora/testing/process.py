"""Run Python children that see the same code as the test that starts them.

Test runners (Pants among them) may put *relative* source roots on ``sys.path``; a child
started from another working directory, or after a fixture changed it, would not find
``aurora``. The paths are made absolute when this module is first imported, which
happens while the test module is collected, from the runner's own directory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

__all__ = ["child_env", "child_python_path"]

_ABSOLUTE_SYS_PATH = tuple(os.path.abspath(entry) for entry in sys.path if entry)


def child_python_path() -> str:
    """A ``PYTHONPATH`` value that reproduces this process's import path."""
    return os.pathsep.join(_ABSOLUTE_SYS_PATH)


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment plus ``PYTHONPATH`` (and ``extra``) for a Python child."""
    return {**os.environ, "PYTHONPATH": child_python_path(), **(extra or {})}

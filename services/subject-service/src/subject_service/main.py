"""The entry point: ``./pants run services/subject-service`` and the container both run ``main``."""

import contextlib

from aurora.app import main as serve

from subject_service.app import build_service


def main() -> None:
    """Serve Subject Service on its configured host and port (``--host``/``--port`` override them)."""
    # uvicorn re-raises Ctrl-C once it has shut down gracefully; by then there is
    # nothing left to report, so end quietly instead of printing a traceback.
    with contextlib.suppress(KeyboardInterrupt):
        serve(build_service)

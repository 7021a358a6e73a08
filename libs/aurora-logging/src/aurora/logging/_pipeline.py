"""The one pipeline every line goes through, and the bound logger that feeds it.

structlog caches a logger on first use (``cache_logger_on_first_use``), freezing
the processor list, wrapped logger and bound-logger class it saw. Libraries
create module-level loggers before anyone configures anything, and tests
reconfigure many times per process; for both to work, the objects a cached
logger holds never change identity. :data:`PIPELINE` keeps one processor list
(edited in place, as ``structlog.testing.capture_logs`` does), one :class:`Output`
whose stream is swapped, and a level read on every call rather than baked into
the class as ``make_filtering_bound_logger`` does. The dynamic level check costs
one comparison per call.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import traceback
from typing import Any, TextIO

import structlog
from structlog.exceptions import DropEvent
from structlog.typing import EventDict, Processor, WrappedLogger

from aurora.logging._processors import StandardFields, render_json
from aurora.logging._redaction import Redactor

__all__ = ["LEVELS", "PIPELINE", "AuroraBoundLogger", "Output", "Pipeline", "Sink"]

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "msg": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "err": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


class Output:
    """Where finished lines go: one stream and one lock for the whole process.

    ``stream=None`` means "whatever ``sys.stdout`` is at write time", which keeps
    working when a test runner or a daemon swaps stdout after configuration.
    Each line is written and flushed under the lock, so lines from threads and
    from the stdlib bridge never interleave and reach container logs at once.
    """

    __slots__ = ("lock", "stream")

    def __init__(self) -> None:
        self.stream: TextIO | None = None
        self.lock = threading.Lock()

    def write(self, line: str) -> None:
        """Write one rendered line (which already ends in a newline)."""
        stream = self.stream if self.stream is not None else sys.stdout
        try:
            with self.lock:
                stream.write(line)
                stream.flush()
        except (OSError, ValueError):
            _report_write_failure()


class Sink:
    """The wrapped logger at the end of structlog's chain, named after its component.

    ``get_logger("orders")`` passes the name to structlog's logger factory (the
    way ``structlog.stdlib.LoggerFactory`` names stdlib loggers); it is kept here
    and stamped as the ``logger`` field by ``StandardFields``.
    """

    __slots__ = ("_output", "name")

    def __init__(self, output: Output, name: str | None = None) -> None:
        self._output = output
        self.name = name

    def msg(self, message: str) -> None:
        self._output.write(message)

    debug = info = warning = warn = error = err = critical = fatal = exception = log = msg


def _report_write_failure() -> None:
    # Mirror logging.Handler.handleError: a closed or broken log stream must not
    # turn into a failed request, but it must not go unnoticed either.
    if not logging.raiseExceptions or sys.stderr is None:
        return
    with contextlib.suppress(Exception):  # nowhere left to report to
        traceback.print_exc(file=sys.stderr)


class Pipeline:
    """Process-wide logging state: processors, renderer, level, output and active captures."""

    def __init__(self) -> None:
        self.processors: list[Processor] = []
        self.renderer: Processor = render_json
        self.level: int = logging.NOTSET
        self.output = Output()
        self.captures: list[list[dict[str, Any]]] = []
        # The chain's own objects, for LineWriter's fast path; ``standard`` is None
        # unless the JSON format is configured (the fast path renders JSON only).
        self.standard: StandardFields | None = None
        self.redactor: Redactor | None = None

    def finish(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> Any:
        """The last processor: render, or hand the event to the innermost ``capture_logs``."""
        if self.captures:
            self.captures[-1].append(dict(event_dict))
            raise DropEvent
        return self.renderer(logger, method_name, event_dict)

    def logger_factory(self, *args: Any) -> Sink:
        """structlog's ``logger_factory``: every logger writes to the one output."""
        name = args[0] if args and isinstance(args[0], str) else None
        return Sink(self.output, name)

    def process(self, method_name: str, event_dict: EventDict) -> Any:
        """Run the chain outside structlog (for stdlib records); may raise ``DropEvent``."""
        result: Any = event_dict
        for processor in self.processors:
            result = processor(None, method_name, result)
        return result


PIPELINE = Pipeline()

# All methods enabled; the level is checked per call in _proxy_to_logger instead.
_AllLevelsLogger: Any = structlog.make_filtering_bound_logger(logging.NOTSET)


class AuroraBoundLogger(_AllLevelsLogger):  # type: ignore[misc]
    """structlog's native filtering logger, with the level read from :data:`PIPELINE`."""

    def is_enabled_for(self, level: int) -> bool:
        """Whether a call at ``level`` would be logged (to skip building costly fields)."""
        return level >= PIPELINE.level

    def get_effective_level(self) -> int:
        """The configured minimum level."""
        return PIPELINE.level

    def _proxy_to_logger(self, method_name: str, event: str | None = None, **event_kw: Any) -> Any:
        if LEVELS.get(method_name, logging.NOTSET) < PIPELINE.level:
            return None
        try:
            args, kw = self._process_event(method_name, event, event_kw)
            return getattr(self._logger, method_name)(*args, **kw)
        except DropEvent:
            return None

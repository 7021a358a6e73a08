"""Routing the standard library's ``logging`` (uvicorn, SQLAlchemy, httpx...) into the pipeline.

This is the job structlog's ``ProcessorFormatter`` usually does; a handler that
builds the event dict itself and runs Aurora's processor list is equivalent and
keeps a single list to reconfigure, so stdlib records and structlog calls come
out identical: same fields, same redaction, same stream, same lock.

:class:`StdlibRouting` owns the process-wide side: it puts the bridge on the
root logger, takes over console handlers (plain ``StreamHandler``s such as
``basicConfig``'s, which would print every line twice), leaves other handlers
alone (files, pytest's ``caplog``, error trackers), and points uvicorn's loggers
at the root. Everything it changes is recorded once and put back on uninstall.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from structlog.exceptions import DropEvent
from structlog.typing import EventDict

from aurora.logging._pipeline import Pipeline

__all__ = ["UVICORN_LOGGERS", "StdlibBridge", "StdlibRouting", "event_dict_from_record"]

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
# uvicorn adds ``color_message`` (the message with ANSI codes), which is noise here.
_RECORD_ATTRIBUTES = frozenset(
    {
        "args",
        "asctime",
        "color_message",
        "created",
        "exc_info",
        "exc_text",
        "filename",
        "funcName",
        "levelname",
        "levelno",
        "lineno",
        "message",
        "module",
        "msecs",
        "msg",
        "name",
        "pathname",
        "process",
        "processName",
        "relativeCreated",
        "stack_info",
        "taskName",
        "thread",
        "threadName",
    }
)


def event_dict_from_record(record: logging.LogRecord) -> EventDict:
    """The structlog-shaped event of a stdlib record: message, logger name, extras, exception."""
    event_dict: EventDict = {"event": record.getMessage(), "logger": record.name}
    # A C-level set difference first: records rarely carry extras, so this is
    # usually empty; when not, walk the record to keep the caller's key order.
    extras = record.__dict__.keys() - _RECORD_ATTRIBUTES
    if extras:
        for key, value in record.__dict__.items():
            if key in extras and not key.startswith("_"):
                event_dict[key] = value
    if record.exc_info:
        event_dict["exc_info"] = record.exc_info
    if record.stack_info:
        event_dict["stack"] = record.stack_info
    return event_dict


class StdlibBridge(logging.Handler):
    """A handler that sends records through the pipeline's processors to its output."""

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__()
        self._pipeline = pipeline

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self._pipeline.process(record.levelname.lower(), event_dict_from_record(record))
        except DropEvent:
            return
        except Exception:
            self.handleError(record)
            return
        self._pipeline.output.write(line)


@dataclass
class _LoggerState:
    handlers: list[logging.Handler]
    level: int
    propagate: bool
    disabled: bool

    @classmethod
    def of(cls, logger: logging.Logger) -> _LoggerState:
        return cls(list(logger.handlers), logger.level, logger.propagate, logger.disabled)

    def restore(self, logger: logging.Logger) -> None:
        logger.handlers[:] = self.handlers
        logger.setLevel(self.level)
        logger.propagate = self.propagate
        logger.disabled = self.disabled


class StdlibRouting:
    """Installs and uninstalls the bridge, remembering the state it replaced.

    On the root logger only what Aurora changed is undone (its level, the bridge,
    the console handlers it took over), so handlers others added meanwhile survive.
    uvicorn's loggers are Aurora's while installed and are restored wholesale.
    """

    def __init__(self) -> None:
        self._bridge: StdlibBridge | None = None
        self._root_level: int | None = None
        self._removed: list[logging.Handler] = []
        self._uvicorn: dict[str, _LoggerState] = {}

    def install(self, pipeline: Pipeline, level: int) -> None:
        """Route root and uvicorn loggers into ``pipeline`` at ``level``; safe to repeat."""
        root = logging.getLogger()
        if self._bridge is None:
            self._bridge = StdlibBridge(pipeline)
            self._root_level = root.level
            self._uvicorn = {
                name: _LoggerState.of(logging.getLogger(name)) for name in UVICORN_LOGGERS
            }
        for handler in list(root.handlers):
            # Exact type on purpose: subclasses (FileHandler, pytest's capture) stay.
            if type(handler) is logging.StreamHandler:
                root.removeHandler(handler)
                self._removed.append(handler)
        if self._bridge not in root.handlers:
            root.addHandler(self._bridge)
        root.setLevel(level)
        for name in UVICORN_LOGGERS:
            # uvicorn's own dictConfig gives these console handlers and
            # propagate=False; undo that so they reach the root (and the bridge).
            uvicorn_logger = logging.getLogger(name)
            uvicorn_logger.handlers.clear()
            uvicorn_logger.setLevel(logging.NOTSET)
            uvicorn_logger.propagate = True
            uvicorn_logger.disabled = False

    def uninstall(self) -> None:
        """Undo every :meth:`install` since the last uninstall."""
        if self._bridge is None:
            return
        root = logging.getLogger()
        root.removeHandler(self._bridge)
        self._bridge.close()
        self._bridge = None
        for handler in self._removed:
            root.addHandler(handler)
        self._removed.clear()
        if self._root_level is not None:
            root.setLevel(self._root_level)
            self._root_level = None
        for name, state in self._uvicorn.items():
            state.restore(logging.getLogger(name))
        self._uvicorn.clear()

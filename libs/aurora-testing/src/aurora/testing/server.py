"""Real HTTP servers for tests: uvicorn on loopback, in a background thread.

Aurora's tests talk to real servers rather than mocked transports, so every lib
needs the same small thing: start an ASGI app on a free port, wait until it
accepts connections, and stop it cleanly afterwards (lifespan shutdown included).

    with run_server(app) as base_url:
        httpx.get(f"{base_url}/health/live")
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp

__all__ = ["LiveServer", "free_port", "run_server"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago.

    Prefer :func:`run_server`, which keeps its socket bound and so cannot race; use
    this for processes that must be told a port up front (a ``redis-server``).
    """
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """One uvicorn server running ``app`` in a daemon thread.

    The listening socket is bound before the thread starts, so ``url`` is known
    immediately and no other process can grab the port in between.

    Args:
        app: The ASGI application to serve.
        host: Interface to bind; loopback by default.
        port: Port to bind; 0 picks a free one.
        startup_timeout: Seconds to wait for lifespan startup to finish.
        **uvicorn_options: Extra :class:`uvicorn.Config` arguments.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 10.0,
        **uvicorn_options: Any,
    ) -> None:
        options: dict[str, Any] = {
            "log_config": None,
            "log_level": "warning",
            "access_log": False,
            "lifespan": "on",
            "timeout_graceful_shutdown": 5,
        }
        options.update(uvicorn_options)
        self._config = uvicorn.Config(app, host=host, port=port, **options)
        self._server = uvicorn.Server(self._config)
        self._host = host
        self._port = port
        self._startup_timeout = startup_timeout
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server, without a trailing slash."""
        if self._socket is None:
            raise RuntimeError("the server is not running")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def server(self) -> uvicorn.Server:
        """The underlying uvicorn server (for ``should_exit`` or its state)."""
        return self._server

    def start(self) -> str:
        """Bind, start serving and block until startup completed; return the base URL.

        Raises:
            RuntimeError: startup failed or took longer than ``startup_timeout``.
        """
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._socket = sock
        self._thread = threading.Thread(target=self._serve, name="aurora-live-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                error, self._error = self._error, None
                self.stop()
                raise RuntimeError("the server stopped during startup") from error
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start within {self._startup_timeout}s")
            time.sleep(0.005)
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to shut down gracefully (lifespan shutdown runs) and wait for it."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._error is not None:
            error, self._error = self._error, None
            raise RuntimeError("the server failed") from error

    def _serve(self) -> None:
        assert self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # SystemExit from a failed startup, too
            self._error = exc

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@contextmanager
def run_server(app: ASGIApp, *, host: str = "127.0.0.1", **uvicorn_options: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port for the duration of the block.

    Yields the base URL (``http://127.0.0.1:PORT``). Leaving the block performs a
    graceful shutdown, so the app's lifespan shutdown hooks have run afterwards.
    """
    server = LiveServer(app, host=host, **uvicorn_options)
    with server as url:
        yield url

"""A throwaway PostgreSQL server of the test's own, which the test may freeze and thaw.

Fault tests must never touch the shared server: this one lives in a temporary
directory on a free port, and only its own processes (the postmaster and its
children, found by pid) are ever signalled.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from aurora.testing.server import free_port

__all__ = ["PrivatePostgres", "private_postgres"]


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


class PrivatePostgres:
    """A running private server: its URL, and ``freeze``/``thaw`` of all its processes."""

    def __init__(self, data_dir: Path, port: int, bin_dir: Path, prefix: list[str]) -> None:
        self.data_dir = data_dir
        self.port = port
        self._bin = bin_dir
        self._prefix = prefix
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _pids(self) -> list[int]:
        postmaster = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        pids = [postmaster]
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                pids.append(int(Path(stat).parent.name))
        return pids

    def freeze(self) -> None:
        """SIGSTOP the server and every backend: connections stay open, nothing answers."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT what :meth:`freeze` stopped."""
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        subprocess.run(
            [
                *self._prefix,
                str(self._bin / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            capture_output=True,
            timeout=30,
        )


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """Start a private server in a fresh temporary directory; thaw, stop and remove it after."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    home = Path(tempfile.mkdtemp(prefix="aurora-pg-"))
    # initdb and the server refuse to run as root: then they run as the postgres user.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if prefix:
        shutil.chown(home, user="postgres")
    data_dir = home / "data"
    port = free_port()
    server = PrivatePostgres(data_dir, port, bin_dir, prefix)
    try:
        _run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "-A", "trust"]
        )
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data_dir),
                "-o",
                options,
                "-l",
                str(home / "server.log"),
                "-w",
                "start",
            ]
        )
        yield server
    finally:
        with contextlib.suppress(OSError, ValueError):
            server.thaw()
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120)

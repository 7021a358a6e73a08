"""Instructions per request of bare FastAPI and ``create_service``, counted by callgrind.

    PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/app_instructions.py

The apps and routes are ``app_overhead.py``'s. CPU time on a shared VM moves by
10-20% between runs; the number of instructions a request executes does not. Each
(app, route) runs twice under valgrind's callgrind, counting only the driven
requests (switched on and off with ``callgrind_control`` around them), at two run
lengths; the difference divided by the extra requests cancels the fixed part (the
event loop's set-up, the handshake). Needs ``valgrind``; takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time

from app_overhead import APPS, BARE, ROUTES, drive

REQUESTS = 600


def _counted(kind: str, route: str, requests: int, marker: str) -> None:
    """Under callgrind: warm up, let the parent switch counting on, drive, let it switch off."""
    app = APPS[kind]()
    asyncio.run(drive(app, route, 50))
    _handshake(marker)
    asyncio.run(drive(app, route, requests))
    _handshake(marker)


def _handshake(marker: str) -> None:
    with open(marker, "w") as note:
        note.write("waiting")
    while os.path.exists(marker):
        time.sleep(0.02)


def _instructions(kind: str, route: str, requests: int) -> int:
    """Instructions callgrind counts for ``requests`` requests (plus a fixed part)."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        marker, out = os.path.join(scratch, "marker"), os.path.join(scratch, "callgrind.out")
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        command += [f"--callgrind-out-file={out}", sys.executable, __file__]
        command += ["--counted", kind, route, str(requests), marker]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for switch in ("on", "off"):
            while not os.path.exists(marker):
                if process.poll() is not None:
                    raise RuntimeError(f"callgrind run of {kind} {route} exited early")
                time.sleep(0.05)
            subprocess.run(
                ["callgrind_control", "-i", switch, str(process.pid)],
                check=True,
                capture_output=True,
            )
            os.remove(marker)
        process.wait()
        totals = subprocess.run(
            ["callgrind_annotate", out], check=True, capture_output=True, text=True
        ).stdout
    match = re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", totals)
    if match is None:
        raise RuntimeError(totals[-2000:])
    return int(match.group(1).replace(",", ""))


def instructions(routes: tuple[str, ...], requests: int) -> dict[tuple[str, str], float]:
    """Instructions per request of each (app, route): two run lengths, the difference.

    Deterministic where CPU time is not: a busy or throttled VM changes how long an
    instruction takes, not how many a request executes. The fixed part (the event
    loop's set-up, the handshake) cancels out in the difference.
    """
    results: dict[tuple[str, str], float] = {}
    for route in routes:
        for name in APPS:
            short = _instructions(name, route, requests // 6)
            long = _instructions(name, route, requests)
            results[name, route] = (long - short) / (requests - requests // 6)
    return results


def instructions_table(results: dict[tuple[str, str], float]) -> list[str]:
    lines = [
        "| callgrind | route | app | instructions/request | ratio vs bare |",
        "|---|---|---|---:|---:|",
    ]
    for (name, route), count in results.items():
        lines.append(
            f"| callgrind | `{route}` | {name} | {count / 1000:,.1f}k | "
            f"{results[BARE, route] / count:.2f}x |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counted", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="the longer run's length")
    args = parser.parse_args()
    if args.counted:
        kind, route, requests, marker = args.counted
        _counted(kind, route, int(requests), marker)
        return
    print("\n".join(instructions_table(instructions(ROUTES, args.requests))))


if __name__ == "__main__":
    main()

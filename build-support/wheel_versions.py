"""Every lib's own test suite against its installed wheels, on each newer CPython.

Pants tests the source tree on CPython 3.11. The wheels promise 3.11-3.13
(``build-support/macros.py``), so this installs them, with every extra, into a fresh
venv per version and runs each lib's ``tests/`` there, copied out of the repo so that
only the wheels can be imported, then the seed examples. Third-party versions are the
lockfile's (as pip constraints), so a failure is about the interpreter, not a new release
of some dependency. The versions run side by side, one pytest process each.

Usage: python3.11 build-support/wheel_versions.py DIST_DIR 3.12 3.13
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the libs' tests import beyond the wheels' own requirements.
TEST_REQUIREMENTS = [
    "pytest",
    "pytest-asyncio",
    "hypothesis",
    "httpx",
    "asgi-lifespan",
    "schemathesis",
    "redis",
    "aiosqlite",
    "psycopg[binary]",
    "jsonschema",
    "joserfc",
    "cloudevents",
    "opentelemetry-proto",
    "opentelemetry-sdk",
    "pyyaml",
]
PYTEST_INI = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
xfail_strict = true
filterwarnings = error
addopts = --strict-markers -p no:cacheprovider
"""


def _interpreter(version: str) -> str:
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for candidate in [
        *sorted(pyenv_root.glob(f"versions/{version}*/bin/python{version}")),
        shutil.which(f"python{version}"),
    ]:
        if candidate and subprocess.run([str(candidate), "-V"], capture_output=True).returncode == 0:
            return str(candidate)
    raise SystemExit(f"CPython {version} not found (try: pyenv install {version})")


def _locked_versions() -> list[str]:
    """``name==version`` for every locked distribution (the lockfile minus its // header)."""
    text = (ROOT / "3rdparty/python/python-default.lock").read_text()
    lock = json.loads("\n".join(line for line in text.splitlines() if not line.startswith("//")))
    return sorted(
        f"{req['project_name']}=={req['version']}"
        for resolve in lock["locked_resolves"]
        for req in resolve["locked_requirements"]
    )


def _extras(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(meta).decode().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Provides-Extra:")]


def _spec(wheel: Path) -> str:
    extras = _extras(wheel)
    return f"{wheel}[{','.join(extras)}]" if extras else str(wheel)


def _log(version: str, text: str) -> None:
    print(f"[{version}] {text}", flush=True)


def _run_version(version: str, wheels: list[Path], work: Path, env: dict[str, str]) -> list[str]:
    """Install and test on one interpreter; returns the libs that failed."""
    python = _interpreter(version)
    env_dir = work / f"venv-{version}"
    subprocess.run([python, "-m", "venv", str(env_dir)], check=True)
    vpython = str(env_dir / "bin" / "python")
    constraints = work / "constraints.txt"
    pip = [vpython, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    subprocess.run(
        [*pip, "-c", str(constraints), *map(_spec, wheels), *TEST_REQUIREMENTS], check=True, env=env
    )
    _log(version, "installed " + ", ".join(w.name.split("-")[0] for w in wheels))
    failed = []
    for lib in sorted(p.parent for p in ROOT.glob("libs/aurora-*/tests")):
        copy = work / version / lib.name
        shutil.copytree(lib / "tests", copy / "tests", ignore=shutil.ignore_patterns("__pycache__", "BUILD"))
        shutil.copy(lib / "README.md", copy / "README.md")
        (copy / "pytest.ini").write_text(PYTEST_INI)
        result = subprocess.run(
            [vpython, "-m", "pytest", "tests"],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
        )
        summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
        _log(version, f"{lib.name}: {summary}")
        if result.returncode != 0:
            print(result.stdout[-6000:], result.stderr[-3000:], sep="\n", flush=True)
            failed.append(f"{version}:{lib.name}")
    examples = subprocess.run(
        [vpython, "-I", str(ROOT / "build-support/seed_examples.py")],
        cwd=work, env=env, capture_output=True, text=True,
    )
    _log(version, "seed examples: " + ("ok" if examples.returncode == 0 else "FAILED"))
    if examples.returncode != 0:
        print(examples.stderr[-3000:], flush=True)
        failed.append(f"{version}:seed examples")
    return failed


def main(dist_dir: str, versions: list[str]) -> int:
    wheels = sorted(Path(dist_dir).resolve().glob("aurora_*.whl"))
    if not wheels:
        print(f"no aurora wheels in {dist_dir}", file=sys.stderr)
        return 1
    # The machine's environment (proxies, CA bundle, CI), minus anything that would put the
    # repo's sources on the path.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PEX"))}
    env["PIP_CONFIG_FILE"] = "/dev/null"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "constraints.txt").write_text("\n".join(_locked_versions()) + "\n")
        with ThreadPoolExecutor(max_workers=len(versions)) as pool:
            results = pool.map(lambda v: _run_version(v, wheels, work, env), versions)
            failed = [item for result in results for item in result]
    if failed:
        print("wheel tests failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    print(f"wheel tests: every lib's suite passed on CPython {', '.join(versions)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:] or ["3.12", "3.13"]))

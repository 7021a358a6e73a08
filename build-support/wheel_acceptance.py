"""Install every built wheel into a fresh venv, as a user outside the monorepo would.

Checks, with no Pants and no repo on the path:
- no wheel ships ``aurora/__init__.py`` (that would break the PEP 420 namespace);
- each wheel's ``Requires-Dist`` names exactly the distributions its code imports, and
  each extra exactly those its code imports only lazily (never at module level), so
  that ``import aurora.<x>`` works without the extra;
- ``pip install aurora-app`` pulls no redis and ``aurora-db`` no fastapi, using the
  integration then fails with one line naming ``pip install 'aurora-app[redis]'``, and
  installing the extra brings the dependency;
- every ``aurora.*`` package imports together, and the seed examples run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import venv
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_CHECK = r'''
import ast, importlib, importlib.metadata as md, json, re, sys, zipfile
from pathlib import Path

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

module_dists = {m: {norm(d) for d in ds} for m, ds in md.packages_distributions().items()}
stdlib = set(sys.stdlib_module_names)
problems = []
# Required without an import: SQLAlchemy loads drivers by URL scheme, httpx imports sniffio
# lazily. Their BUILD files say so next to the explicit dependency.
LOADED_BY_NAME = {"aiosqlite", "psycopg", "sniffio"}
wheels = list(map(Path, json.loads(sys.argv[1])))

def requirement_name(spec):
    return norm(re.split(r"[ ;<>=~!\[(]", spec.strip())[0])

metadata, extras = {}, {}
for wheel in wheels:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        dist = norm(wheel.name.split("-")[0])
        metadata[dist], extras[dist] = set(), {}
        for line in zf.read(meta).decode().splitlines():
            if not line.startswith("Requires-Dist:"):
                continue
            spec = line.split(":", 1)[1]
            marker = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", spec)
            if marker:
                extras[dist].setdefault(marker.group(1), set()).add(requirement_name(spec))
            else:
                metadata[dist].add(requirement_name(spec))

def module_level(tree):
    """Import nodes run at import time: the module body, minus `if TYPE_CHECKING:` blocks."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo += node.orelse
        elif isinstance(node, (ast.If, ast.Try)):
            todo += node.body + node.orelse + getattr(node, "finalbody", []) + [
                n for h in getattr(node, "handlers", []) for n in h.body]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node

_files = {}

def dist_files(dist):
    if dist not in _files:
        _files[dist] = {str(f) for f in (md.distribution(dist).files or [])}
    return _files[dist]

def owners(mod):
    """The distributions that ship ``mod``: a namespace (opentelemetry) has several."""
    parts = mod.split(".")
    candidates = module_dists.get(parts[0], {norm(parts[0])})
    if len(candidates) < 2:
        return candidates
    for depth in range(len(parts), 1, -1):
        path = "/".join(parts[:depth])
        shipping = {d for d in candidates if any(
            f == path + ".py" or f.startswith(path + "/") for f in dist_files(d))}
        if shipping:
            return shipping
    return candidates

def dists_of(node):
    mods = []
    if isinstance(node, ast.Import):
        mods = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        # `from X import Y` may import the submodule X.Y: it names the owner best.
        mods = [f"{node.module}.{a.name}" for a in node.names]
    found = set()
    for mod in mods:
        parts = mod.split(".")
        if parts[0] == "aurora" and len(parts) > 1:
            found.add(norm("aurora-" + parts[1]))
        elif parts[0] not in stdlib:
            found |= owners(mod)
    return found

for wheel in wheels:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        dist = norm(wheel.name.split("-")[0])
        requires = metadata[dist]
        optional = set().union(*extras[dist].values())
        imported, eager = set(), set()
        for name in names:
            if not name.endswith(".py"):
                continue
            tree = ast.parse(zf.read(name))
            for node in ast.walk(tree):
                imported |= dists_of(node)
            for node in module_level(tree):
                eager |= dists_of(node) & optional
            if eager:
                problems.append(f"{wheel.name}: {name} imports the optional {sorted(eager)} at module level")
                eager = set()
        imported.discard(dist)
        # A sibling that an imported sibling requires anyway adds nothing to the install.
        transitive = set().union(*(metadata.get(d, set()) for d in imported if d.startswith("aurora-")))
        if "aurora/__init__.py" in names:
            problems.append(f"{wheel.name}: ships aurora/__init__.py")
        if both := requires & optional:
            problems.append(f"{wheel.name}: {sorted(both)} both required and optional")
        missing = imported - requires - optional
        extra = requires - imported - LOADED_BY_NAME - {d for d in transitive if d.startswith("aurora-")}
        if missing or extra:
            problems.append(f"{wheel.name}: imports but does not require {sorted(missing)}; requires but does not import {sorted(extra)}")
        for name, declared in sorted(extras[dist].items()):
            if unused := declared - imported:
                problems.append(f"{wheel.name}: extra [{name}] lists {sorted(unused)}, which its code never imports")
        shown = "; ".join(f"[{n}] {sorted(d)}" for n, d in sorted(extras[dist].items()))
        print(f"{wheel.name}: Requires-Dist {sorted(requires)}" + (f"; extras {shown}" if shown else ""))

packages = sorted({n.split("/")[1] for w in json.loads(sys.argv[1]) for n in zipfile.ZipFile(w).namelist() if n.startswith("aurora/") and n.count("/") >= 2})
for package in packages:
    importlib.import_module(f"aurora.{package}")
print("imported together:", ", ".join(f"aurora.{p}" for p in packages))
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
'''


def _requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(meta).decode().splitlines()
    return [
        line.split(":", 1)[1].strip().replace(" (", "").replace(")", "")
        for line in lines
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]


def _lean_venv(tmp: Path, wheels: list[Path], env: dict[str, str], name: str) -> str:
    """``pip install --no-index --find-links dist <lib>`` pulls exactly its sibling closure.

    Third-party requirements (no extras) come from PyPI first; returns the venv's python.
    """
    by_name = {w.name.split("-")[0].replace("_", "-"): w for w in wheels}
    closure, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in closure:
            continue
        closure.add(current)
        todo += [r.split("~=")[0] for r in _requires(by_name[current]) if r.startswith("aurora-")]
    third_party = sorted({r for lib in closure for r in _requires(by_name[lib]) if not r.startswith("aurora-")})
    env_dir = tmp / f"lean-{name}"
    # Symlinked: copying the interpreter races the other threads' forks (ETXTBSY)
    venv.create(env_dir, with_pip=True, symlinks=True)
    python = str(env_dir / "bin" / "python")
    subprocess.run([*_pip(python), *third_party], check=True, env=env)
    dist_dir = str(wheels[0].parent)
    subprocess.run([*_pip(python), "--no-index", "--find-links", dist_dir, name], check=True, env=env)
    installed = _installed(python, env)
    if {d for d in installed if d.startswith("aurora-")} != closure:
        raise SystemExit(f"{name} from the local index installed {sorted(installed)}, expected {sorted(closure)}")
    print(f"local index: {name} pulled {sorted(closure - {name})}")
    return python


def _pip(python: str) -> list[str]:
    return [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]


def _installed(python: str, env: dict[str, str]) -> set[str]:
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze"], check=True, env=env, capture_output=True, text=True
    ).stdout
    return {line.split("==")[0].lower().replace("_", "-") for line in listed.splitlines()}


# Each extra, its distribution, and code that needs it (run with and without the extra).
EXTRAS = {
    ("aurora-app", "redis", "redis"): 'from aurora.app import RedisRateLimitBackend\nRedisRateLimitBackend("redis://127.0.0.1:1/0")',
    ("aurora-db", "fastapi", "fastapi"): 'from aurora.db import get_db_dependency\nget_db_dependency("svc")',
}


def _check_extra(tmp: Path, wheels: list[Path], env: dict[str, str], name: str, extra: str, dist: str, probe: str) -> None:
    """Without the extra: no ``dist`` installed, and the probe fails in one line naming it; with it: works."""
    python = _lean_venv(tmp, wheels, env, name)
    if dist in _installed(python, env):
        raise SystemExit(f"pip install {name} pulled {dist}, which only {name}[{extra}] should")
    run = subprocess.run([python, "-I", "-c", probe], cwd=tmp, env=env, capture_output=True, text=True)
    last = (run.stderr.strip().splitlines() or [""])[-1]
    wanted = f"pip install '{name}[{extra}]'"
    if run.returncode == 0 or wanted not in last:
        raise SystemExit(f"{name} without [{extra}]: expected an error naming {wanted}, got: {last!r}")
    print(f"extra: {name} alone has no {dist}; using it says {last.split(': ', 1)[-1]!r}")
    subprocess.run([*_pip(python), "--find-links", str(wheels[0].parent), f"{name}[{extra}]"], check=True, env=env)
    subprocess.run([python, "-I", "-c", probe], check=True, cwd=tmp, env=env)
    print(f"extra: {name}[{extra}] installs {dist}")


def _with_extras(wheel: Path, extras: dict[str, list[str]]) -> str:
    chosen = extras.get(wheel.name.split("-")[0].replace("_", "-"))
    return f"{wheel}[{','.join(chosen)}]" if chosen else str(wheel)


def main(dist_dir: str) -> int:
    wheels = sorted(Path(dist_dir).resolve().glob("aurora_*.whl"))
    if not wheels:
        print(f"no aurora wheels in {dist_dir}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        env_dir = Path(tmp) / "venv"
        venv.create(env_dir, with_pip=True, symlinks=True)
        python = str(env_dir / "bin" / "python")
        # The machine's environment (proxies, CA bundle), minus anything that would put
        # the repo's sources on the path.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PEX"))}
        env["PIP_CONFIG_FILE"] = "/dev/null"
        extras = {name: sorted(e for n, e, _ in EXTRAS if n == name) for name, _, _ in EXTRAS}
        specs = [_with_extras(wheel, extras) for wheel in wheels]
        subprocess.run([*_pip(python), *specs], check=True, env=env)

        subprocess.run([python, "-I", "-c", _CHECK, json.dumps(list(map(str, wheels)))], check=True, cwd=tmp, env=env)
        # Independent venvs: side by side, since most of their time is pip waiting.
        with ThreadPoolExecutor(max_workers=1 + len(EXTRAS)) as pool:
            jobs = [pool.submit(_lean_venv, Path(tmp), wheels, env, "aurora-events")]
            jobs += [
                pool.submit(_check_extra, Path(tmp), wheels, env, name, extra, dist, probe)
                for (name, extra, dist), probe in EXTRAS.items()
            ]
            for job in jobs:
                job.result()
        examples = Path(__file__).with_name("seed_examples.py")
        if examples.exists():
            subprocess.run([python, "-I", str(examples)], check=True, cwd=tmp, env=env)
    print(f"wheel acceptance: {len(wheels)} wheels ok")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "dist"))
    except subprocess.CalledProcessError as error:
        print(f"wheel acceptance failed: {error.cmd[:3]} exited {error.returncode}", file=sys.stderr)
        sys.exit(1)

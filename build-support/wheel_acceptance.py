"""Install every built wheel into a fresh venv, as a user outside the monorepo would.

Checks, with no Pants and no repo on the path:
- no wheel ships ``aurora/__init__.py`` (that would break the PEP 420 namespace);
- each wheel's ``Requires-Dist`` names exactly the distributions its code imports;
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
metadata = {}
for wheel in wheels:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        metadata[norm(wheel.name.split("-")[0])] = {
            norm(re.split(r"[ ;<>=~!\[(]", line.split(":", 1)[1].strip())[0])
            for line in zf.read(meta).decode().splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line
        }
for wheel in wheels:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        dist = norm(wheel.name.split("-")[0])
        requires = metadata[dist]
        imported = set()
        for name in names:
            if not name.endswith(".py"):
                continue
            for node in ast.walk(ast.parse(zf.read(name))):
                mods = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mods = [node.module]
                for mod in mods:
                    parts = mod.split(".")
                    if parts[0] == "aurora" and len(parts) > 1:
                        imported.add(norm("aurora-" + parts[1]))
                    elif parts[0] not in stdlib:
                        imported |= module_dists.get(parts[0], {norm(parts[0])})
        imported.discard(dist)
        # A sibling that an imported sibling requires anyway adds nothing to the install.
        transitive = set().union(*(metadata.get(d, set()) for d in imported if d.startswith("aurora-")))
        if "aurora/__init__.py" in names:
            problems.append(f"{wheel.name}: ships aurora/__init__.py")
        missing = imported - requires
        extra = requires - imported - LOADED_BY_NAME - {d for d in transitive if d.startswith("aurora-")}
        if missing or extra:
            problems.append(f"{wheel.name}: imports but does not require {sorted(missing)}; requires but does not import {sorted(extra)}")
        print(f"{wheel.name}: Requires-Dist {sorted(requires)}")

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


def _install_one_from_local_index(tmp: Path, wheels: list[Path], env: dict[str, str], name: str) -> None:
    """``pip install --no-index --find-links dist <lib>`` pulls exactly its sibling closure."""
    by_name = {w.name.split("-")[0].replace("_", "-"): w for w in wheels}
    closure, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in closure:
            continue
        closure.add(current)
        todo += [r.split("~=")[0] for r in _requires(by_name[current]) if r.startswith("aurora-")]
    third_party = sorted({r for lib in closure for r in _requires(by_name[lib]) if not r.startswith("aurora-")})
    env_dir = tmp / "one-lib"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *third_party], check=True, env=env)
    dist_dir = str(wheels[0].parent)
    subprocess.run([*pip, "--no-index", "--find-links", dist_dir, name], check=True, env=env)
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze"], check=True, env=env, capture_output=True, text=True
    ).stdout
    installed = {line.split("==")[0].lower() for line in listed.splitlines() if line.startswith("aurora-")}
    if installed != closure:
        raise SystemExit(f"{name} from the local index installed {sorted(installed)}, expected {sorted(closure)}")
    print(f"local index: {name} pulled {sorted(closure - {name})}")


def main(dist_dir: str) -> int:
    wheels = sorted(Path(dist_dir).resolve().glob("aurora_*.whl"))
    if not wheels:
        print(f"no aurora wheels in {dist_dir}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        env_dir = Path(tmp) / "venv"
        venv.create(env_dir, with_pip=True)
        python = str(env_dir / "bin" / "python")
        # The machine's environment (proxies, CA bundle), minus anything that would put
        # the repo's sources on the path.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PEX"))}
        env["PIP_CONFIG_FILE"] = "/dev/null"
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *map(str, wheels)],
            check=True,
            env=env,
        )

        subprocess.run([python, "-I", "-c", _CHECK, json.dumps(list(map(str, wheels)))], check=True, cwd=tmp, env=env)
        _install_one_from_local_index(Path(tmp), wheels, env, "aurora-events")
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

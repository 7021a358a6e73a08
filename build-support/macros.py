# Macros shared by every BUILD file (loaded through [GLOBAL].build_file_prelude_globs).

# The CPython versions every wheel is tested on (build-support/wheel_versions.sh runs each
# lib's suite against the installed wheels on each of them).
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")


def aurora_lib(version, description, extras=None, **kwargs):
    """Declare a lib's wheel: the single place a lib's name, version and extras live.

    Called from `libs/aurora-<x>/BUILD`; the distribution is named after the folder and
    packages `src/aurora/<x>` plus its `py.typed` marker, with the README as its long
    description (and as `:readme`, for tests that execute its examples). Requirements are not listed:
    Pants derives them from what the code imports, siblings pinned with `~=`.

    `extras` maps an extra's name to its requirements, e.g. `{"redis": ["redis>=5.0"]}`
    for `pip install 'aurora-app[redis]'`. The code still depends on them (tests and
    mypy see them), but the wheel's closure excludes them (`!!`), so they are left out of
    its `install_requires`. The code guards them with `aurora.errors.require_extra`, and
    wheel acceptance checks that each extra holds exactly what the code imports lazily.
    """
    dist_name = build_file_dir().name
    package = dist_name.removeprefix("aurora-").replace("-", "_")
    extras = extras or {}
    optional = [
        f"!!//3rdparty/python:reqs#{_requirement_name(spec)}"
        for specs in extras.values()
        for spec in specs
    ]
    file(name="readme", source="README.md")
    python_distribution(
        name="dist",
        dependencies=[
            f"./src/aurora/{package}",
            f"./src/aurora/{package}:py_typed",
            *optional,
        ],
        provides=python_artifact(
            name=dist_name,
            version=version,
            description=description,
            python_requires=">=" + PYTHON_VERSIONS[0],
            license="MIT",
            long_description_content_type="text/markdown",
            extras_require={name: list(specs) for name, specs in extras.items()},
            classifiers=[
                "License :: OSI Approved :: MIT License",
                "Programming Language :: Python :: 3 :: Only",
            ]
            + [f"Programming Language :: Python :: {v}" for v in PYTHON_VERSIONS]
            + ["Typing :: Typed"],
        ),
        long_description_path=f"{build_file_dir()}/README.md",
        wheel=True,
        sdist=False,
        **kwargs,
    )


def _requirement_name(spec):
    """`redis>=5.0` -> `redis`: the target name in //3rdparty/python:reqs."""
    name = spec
    for stop in "<>=!~[; ":
        name = name.split(stop)[0]
    return name

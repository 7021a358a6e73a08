# Macros shared by every BUILD file (loaded through [GLOBAL].build_file_prelude_globs).


def aurora_lib(version, description, **kwargs):
    """Declare a lib's wheel: the single place a lib's name and version live.

    Called from `libs/aurora-<x>/BUILD`; the distribution is named after the folder and
    packages `src/aurora/<x>` plus its `py.typed` marker, with the README as its long
    description (and as `:readme`, for tests that execute its examples). Requirements are not listed:
    Pants derives them from what the code imports, siblings pinned with `~=`.
    """
    dist_name = build_file_dir().name
    package = dist_name.removeprefix("aurora-").replace("-", "_")
    file(name="readme", source="README.md")
    python_distribution(
        name="dist",
        dependencies=[
            f"./src/aurora/{package}",
            f"./src/aurora/{package}:py_typed",
        ],
        provides=python_artifact(
            name=dist_name,
            version=version,
            description=description,
            python_requires=">=3.11",
            license="MIT",
            long_description_content_type="text/markdown",
        ),
        long_description_path=f"{build_file_dir()}/README.md",
        wheel=True,
        sdist=False,
        **kwargs,
    )

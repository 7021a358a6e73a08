"""Per-lib release tooling: versions, tags, changelogs and API compatibility checks."""

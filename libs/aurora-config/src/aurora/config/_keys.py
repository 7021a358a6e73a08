"""How variable names map to setting paths ("keys"), and back.

A variable maps to a key by stripping ``AURORA_``, splitting on ``__`` and
lower-casing. Service names are kebab-case in code and SNAKE_CASE in variables, so
the segment after ``services`` is normalised to kebab-case:
``AURORA_SERVICES__SUBJECT_SERVICE__URL`` is ``("services", "subject-service", "url")``.
"""

from __future__ import annotations

__all__ = [
    "ENV_FILE_VARIABLE",
    "REGISTRY_VARIABLE",
    "SECRETS_DIR_VARIABLE",
    "STRICT_VARIABLE",
    "Key",
    "key_for_variable",
    "normalize_key",
    "service_key",
    "variable_for_key",
]

Key = tuple[str, ...]

PREFIX = "AURORA_"
DELIMITER = "__"
ENV_FILE_VARIABLE = "AURORA_ENV_FILE"
SECRETS_DIR_VARIABLE = "AURORA_SECRETS_DIR"
REGISTRY_VARIABLE = "AURORA_SERVICES_REGISTRY"
STRICT_VARIABLE = "AURORA_CONFIG_STRICT"
_META_VARIABLES = frozenset(
    {ENV_FILE_VARIABLE, SECRETS_DIR_VARIABLE, REGISTRY_VARIABLE, STRICT_VARIABLE}
)
# Test harness variables (AURORA_TEST_POSTGRES_URL...) are not settings.
_IGNORED_PREFIXES = ("AURORA_TEST_",)


def service_key(name: str) -> str:
    """Normalise a service name: ``SUBJECT_SERVICE`` and ``subject-service`` are one service."""
    return name.strip().lower().replace("_", "-")


def normalize_key(key: Key) -> Key:
    if len(key) >= 2 and key[0] == "services":
        # AURORA_SERVICES__X=http://... is shorthand for AURORA_SERVICES__X__URL.
        return ("services", service_key(key[1]), *(key[2:] or ("url",)))
    return key


def key_for_variable(name: str) -> Key | None:
    """The setting path a variable names; ``None`` when it is not a setting at all."""
    upper = name.upper()
    if not upper.startswith(PREFIX) or upper in _META_VARIABLES:
        return None
    if upper.startswith(_IGNORED_PREFIXES):
        return None
    return normalize_key(tuple(part.lower() for part in name[len(PREFIX) :].split(DELIMITER)))


def variable_for_key(key: Key) -> str:
    """The environment variable that sets ``key``: the inverse of :func:`key_for_variable`."""
    return PREFIX + DELIMITER.join(part.upper().replace("-", "_") for part in key)

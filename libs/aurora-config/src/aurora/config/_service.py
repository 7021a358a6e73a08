"""A service's whole configuration, and ``get_config`` that loads and caches it.

``ServiceConfig`` composes one settings section per concern (no god object). It
declares only aurora-config's own (``service``, ``redis``); every other section
belongs to the lib that uses it and joins through ``_installed`` when the config is
loaded (:meth:`ServiceConfig.composed`). A service that wants its sections typed
(and its own section) subclasses it. Loading reads every source once (see ``_sources``), reports
``AURORA_*`` variables that match no setting, merges by priority, validates, and
remembers where each value came from for ``describe_config``.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import threading
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar, cast, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic.fields import FieldInfo

from aurora.config._errors import (
    ConfigError,
    ConfigProblem,
    UnknownVariableWarning,
    validation_problems,
)
from aurora.config._installed import installed_sections
from aurora.config._keys import Key, variable_for_key
from aurora.config._sections import (
    AuroraSettings,
    RedisSettings,
    ServiceSettings,
    field_at,
    is_secret,
    leaf_keys,
    nested_model,
    split_list,
)
from aurora.config._sources import (
    Layer,
    Origin,
    ValueSource,
    merge,
    overrides_layer,
    read_sources,
)

__all__ = ["ServiceConfig", "get_config", "reset_config_cache"]

StrPath = str | os.PathLike[str]
SectionT = TypeVar("SectionT", bound=AuroraSettings)


class ServiceConfig(BaseModel):
    """Everything a service is configured with, one frozen section per concern.

    Build it with :func:`get_config` (cached) or :meth:`load`, which compose the
    installed libs' sections; constructing it (or :meth:`composed`'s class) directly
    reads no source, which suits tests. Libs read their own section with
    :meth:`section`, typed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    service: ServiceSettings
    redis: RedisSettings = Field(default_factory=lambda: RedisSettings.model_validate({}))

    compose_installed: ClassVar[bool] = True
    """Whether :meth:`composed` adds the installed libs' sections; off for a class that
    declares every section it wants (a generator describing another process's config)."""

    _origins: dict[Key, Origin] | None = PrivateAttr(default=None)

    if TYPE_CHECKING:
        # Sections the installed libs compose in at run time (``config.database``) are
        # not declared here; a subclass that declares them gets them typed.
        def __getattr__(self, name: str) -> Any: ...

    @classmethod
    def composed(cls) -> type[Self]:
        """This class plus a field for each installed section it does not declare."""
        if not cls.compose_installed:
            return cls
        extra = tuple(
            (name, section)
            for name, section in installed_sections().items()
            if name not in cls.model_fields
        )
        return cast(type[Self], _compose(cls, extra)) if extra else cls

    def section(self, kind: type[SectionT]) -> SectionT:
        """The section of type ``kind``: the one composed in, else its defaults for this service."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, kind):
                return value
        return kind.model_validate(kind.service_defaults(self.service))

    @model_validator(mode="before")
    @classmethod
    def _derive_defaults(cls, data: Any) -> Any:
        """Defaults that depend on the service section (``service_defaults``)."""
        if not isinstance(data, Mapping) or "service" not in data:
            return data
        # A subclass's section declared without a default is built from its own defaults.
        data = {
            **{name: {} for name, field in cls.model_fields.items() if _is_required_section(field)},
            **data,
        }
        try:
            service = ServiceSettings.model_validate(data["service"])
        except ValidationError:
            return data  # field validation reports it, with the right location
        data["service"] = service
        for name, field in cls.model_fields.items():
            section = nested_model(field)
            if section is not None and issubclass(section, AuroraSettings) and name != "service":
                if defaults := section.service_defaults(service):
                    data[name] = _with_defaults(data.get(name, {}), **defaults)
        return data

    @classmethod
    def load(
        cls,
        service_name: str,
        /,
        *,
        environ: Mapping[str, str] | None = None,
        env_file: StrPath | None = None,
        secrets_dir: StrPath | None = None,
        services_registry: StrPath | None = None,
        strict: bool | None = None,
        **overrides: Any,
    ) -> Self:
        """Load the configuration of ``service_name`` from every source, uncached.

        Args:
            service_name: Sets ``service.name``, the data dir and the SQLite file name.
            environ: The variables to read; ``os.environ`` by default.
            env_file: The ``.env`` file; else ``$AURORA_ENV_FILE``, else ``./.env``.
            secrets_dir: Directory of secret files; else ``$AURORA_SECRETS_DIR``,
                else ``/run/secrets``.
            services_registry: The ``services.yml`` registry; else
                ``$AURORA_SERVICES_REGISTRY``, else ``./services.yml`` or the repo root's.
            strict: Fail on unknown ``AURORA_*`` variables instead of warning;
                ``$AURORA_CONFIG_STRICT`` when None.
            overrides: Highest-priority values, per section
                (``database={"url": ...}``) or per setting (``database__url=...``).

        Raises:
            ConfigError: A value is invalid, a named file is missing, or (strict)
                a variable matches no setting. Messages never contain values.
        """
        sources = read_sources(
            environ=os.environ if environ is None else environ,
            env_file=env_file,
            secrets_dir=secrets_dir,
            registry=services_registry,
            service_name=service_name,
        )
        config = cls.composed()._build(
            service_name, sources.layers, overrides, strict=_strict(strict, sources.strict)
        )
        config.check_sections()
        return config

    def check_sections(self) -> None:
        """Refuse settings unfit for this service's environment (each section's ``problems_for``).

        Raises:
            ConfigError: e.g. no cursor secret in production, naming the variable.
        """
        problems = [
            problem
            for name in type(self).model_fields
            if isinstance(section := getattr(self, name), AuroraSettings)
            for problem in section.problems_for(self.service)
        ]
        if problems:
            raise ConfigError(
                f"Configuration of {self.service.name!r} is unfit for "
                f"{self.service.environment}:",
                problems,
            )

    @classmethod
    def _build(
        cls, service_name: str, layers: list[Layer], overrides: Mapping[str, Any], *, strict: bool
    ) -> Self:
        """Validate arguments over ``layers`` (highest priority first), keeping origins."""
        arguments = overrides_layer(overrides)
        arguments.add(("service", "name"), service_name)
        _reject_unknown_arguments(cls, arguments, service_name)
        read = _known_layers(cls, layers, service_name, strict=strict)
        values, origins = merge([arguments, *read])
        try:
            config = cls.model_validate(values)
        except ValidationError as exc:
            secrets = _secret_values(cls, read)
            problems = validation_problems(exc, origins=origins, secrets=secrets)
        else:
            config._origins = origins
            return config
        # Raised outside the except block so that pydantic's error, which holds the
        # input values, is not even kept as __context__.
        raise ConfigError(f"Invalid configuration for {service_name!r}:", problems)

    def origin_of(self, key: Key) -> Origin:
        """Where the value at ``key`` (``("database", "url")``) came from."""
        if self._origins is not None:
            return self._origins.get(key, Origin(ValueSource.DEFAULT))
        section = getattr(self, key[0], None)
        explicit = isinstance(section, BaseModel) and key[-1] in section.model_fields_set
        return Origin(ValueSource.OVERRIDE if explicit else ValueSource.DEFAULT)


@functools.cache
def _compose(
    base: type[ServiceConfig], sections: tuple[tuple[str, type[AuroraSettings]], ...]
) -> Any:
    fields: dict[str, Any] = {
        name: (section, Field(default_factory=functools.partial(section.model_validate, {})))
        for name, section in sections
    }
    return create_model(base.__name__, __base__=base, __module__=base.__module__, **fields)


def _is_required_section(field: FieldInfo) -> bool:
    return field.is_required() and nested_model(field) is not None


def _with_defaults(value: Any, **defaults: Any) -> Any:
    if isinstance(value, BaseModel):
        missing = {name: v for name, v in defaults.items() if name not in value.model_fields_set}
        return value.model_copy(update=missing) if missing else value
    if isinstance(value, Mapping):
        return {**defaults, **value}
    return value


def _strict(argument: bool | None, configured: bool) -> bool:
    return configured if argument is None else argument


def _reject_unknown_arguments(cls: type[BaseModel], arguments: Layer, service_name: str) -> None:
    unknown = [key for key in arguments.values if field_at(cls, key) is None]
    if unknown:
        problems = [
            ConfigProblem("__".join(key), "matches no setting", "argument") for key in unknown
        ]
        raise ConfigError(f"Unknown configuration arguments for {service_name!r}:", problems)


def _known_layers(
    cls: type[BaseModel], layers: list[Layer], service_name: str, *, strict: bool
) -> list[Layer]:
    """The layers without unknown variables, which are reported (strict: raised)."""
    problems: list[ConfigProblem] = []
    known: list[Layer] = []
    for layer in layers:
        unknown = [key for key in layer.values if field_at(cls, key) is None]
        # The registry file is shared with other tools: its extra keys are theirs.
        if layer.source is not ValueSource.REGISTRY:
            problems += [
                _unknown_problem(cls, layer, key)
                for key in unknown
                if _looks_like_setting(cls, key, layer.variables[key])
            ]
        known.append(_decoded(cls, layer.without(unknown)))
    if problems and strict:
        raise ConfigError(
            f"Unknown configuration variables for {service_name!r} (strict mode):", problems
        )
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        message = (
            f"Unknown configuration variables for {service_name!r}, ignored:\n{lines}\n"
            "Set AURORA_CONFIG_STRICT=1 to refuse to start instead."
        )
        warnings.warn(message, UnknownVariableWarning, stacklevel=4)
    return known


def _looks_like_setting(cls: type[BaseModel], key: Key, variable: str) -> bool:
    """Unknown variables in a known section, or close to a known name, are typos.

    Every installed lib's section is composed in, so ``AURORA_APP__``, ``AURORA_EVENTS__``
    and a service's own section are judged too; a prefix no section claims
    (another program's ``AURORA_FOO__``) is not.
    """
    sections = list(cls.model_fields)
    if key[0] in sections or difflib.get_close_matches(key[0], sections, n=1, cutoff=0.8):
        return True
    return bool(_suggestion(cls, key, variable))


def _suggestion(cls: type[BaseModel], key: Key, variable: str) -> str | None:
    candidates = [variable_for_key(known) for known in _variable_keys(cls, key)]
    matches = difflib.get_close_matches(variable.upper(), candidates, n=1, cutoff=0.8)
    return matches[0] if matches else None


def _variable_keys(cls: type[BaseModel], near: Key) -> Iterator[Key]:
    for name, field in cls.model_fields.items():
        section = nested_model(field)
        if section is None:
            yield (name,)
        elif issubclass(section, AuroraSettings):
            inside = near[1:] if near[:1] == (name,) else ()
            yield from ((name, *key) for key in section.variable_keys(inside))
        else:
            yield from leaf_keys(section, (name,))


def _unknown_problem(cls: type[BaseModel], layer: Layer, key: Key) -> ConfigProblem:
    variable = layer.variables[key]
    suggestion = _suggestion(cls, key, variable)
    message = "matches no setting" + (f"; did you mean {suggestion}?" if suggestion else "")
    return ConfigProblem(variable, message, str(layer.origin(key)))


def _decoded(cls: type[BaseModel], layer: Layer) -> Layer:
    """Parse text meant for collection fields: JSON, else comma-separated values."""
    if layer.source not in (ValueSource.ENV, ValueSource.DOTENV, ValueSource.SECRETS):
        return layer
    for key, value in layer.values.items():
        field = field_at(cls, key)
        if isinstance(value, str) and field is not None and _is_collection(field.annotation):
            try:
                layer.values[key] = json.loads(value)
            except json.JSONDecodeError:
                layer.values[key] = split_list(value)
    return layer


def _is_collection(annotation: Any) -> bool:
    types = (annotation, *get_args(annotation))
    return any(get_origin(t) in (list, tuple, set, frozenset, dict) for t in types)


def _secret_values(cls: type[BaseModel], layers: list[Layer]) -> list[str]:
    values = []
    for layer in layers:
        for key, value in layer.values.items():
            field = field_at(cls, key)
            if isinstance(value, str) and field is not None and is_secret(field):
                values.append(value)
    return values


class _ConfigCache:
    """``get_config``: load each service's configuration once, then reuse it."""

    def __init__(self) -> None:
        self._configs: dict[tuple[object, ...], ServiceConfig] = {}
        self._lock = threading.Lock()

    def __call__(
        self,
        service_name: str,
        /,
        *,
        env_file: StrPath | None = None,
        secrets_dir: StrPath | None = None,
        services_registry: StrPath | None = None,
        strict: bool | None = None,
        **overrides: Any,
    ) -> ServiceConfig:
        """The configuration of ``service_name``, loaded on first use (see ServiceConfig.load).

        Calls with ``overrides`` are never cached: they are for tests and one-offs.
        """
        options: dict[str, Any] = {
            "env_file": env_file,
            "secrets_dir": secrets_dir,
            "services_registry": services_registry,
            "strict": strict,
        }
        if overrides:
            return ServiceConfig.load(service_name, **options, **overrides)
        key = (
            service_name,
            *(os.fspath(v) if isinstance(v, os.PathLike) else v for v in options.values()),
        )
        with self._lock:
            if key not in self._configs:
                self._configs[key] = ServiceConfig.load(service_name, **options)
            return self._configs[key]

    def cache_clear(self) -> None:
        """Forget every loaded configuration (tests, or after changing the environment)."""
        with self._lock:
            self._configs.clear()


get_config = _ConfigCache()
"""``get_config("subject-service")``: the service's configuration, cached per name and options."""


def reset_config_cache() -> None:
    """Forget every configuration ``get_config`` loaded."""
    get_config.cache_clear()

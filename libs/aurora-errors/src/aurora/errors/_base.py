"""The root of every error Aurora raises.

An :class:`AuroraError` is plain data (``code``, ``status``, ``title``, ``detail``,
``context``, ``errors``) so that it survives a trip over the wire: any error turns
into an RFC 9457 problem and back into the same class (see ``_problem.py``).
Subclasses only choose defaults and expose friendly accessors over ``context``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

__all__ = ["AuroraError", "FieldError", "error_class_for_code", "normalize_field_errors"]

FieldError = dict[str, Any]
"""One field-level problem: ``{"pointer": "#/name", "detail": "...", "code": "..."}``."""

_E = TypeVar("_E", bound="AuroraError")
_REGISTRY: dict[str, type[AuroraError]] = {}


def normalize_field_errors(errors: Iterable[Mapping[str, Any] | str] | None) -> list[FieldError]:
    """Turn loose error descriptions into ``FieldError`` dicts.

    People write ``details=["name is required"]`` as often as
    ``details=[{"field": "name", "message": "..."}]``; both must reach the client
    in one shape, with a JSON pointer where a location is known.
    """
    normalized: list[FieldError] = []
    for item in errors or ():
        if isinstance(item, str):
            normalized.append({"detail": item})
            continue
        entry = dict(item)
        pointer = entry.pop("pointer", None)
        if pointer is None:
            location = entry.pop("loc", None) or entry.pop("field", None)
            pointer = _pointer_for(location)
        else:
            entry.pop("loc", None)
            entry.pop("field", None)
        detail = entry.pop("detail", None) or entry.pop("message", None) or entry.pop("msg", None)
        result: FieldError = {}
        if pointer is not None:
            result["pointer"] = pointer
        result["detail"] = str(detail) if detail is not None else "Invalid value"
        result.update(entry)
        normalized.append(result)
    return normalized


def _pointer_for(location: object) -> str | None:
    if location is None:
        return None
    if isinstance(location, str):
        parts: list[str] = location.split(".") if not location.startswith("#") else []
        if not parts:
            return location
    elif isinstance(location, Iterable):
        parts = [str(part) for part in location]
    else:
        parts = [str(location)]
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in parts)
    return "#/" + "/".join(escaped)


class AuroraError(Exception):
    """Base class of all Aurora errors: a stable code, an HTTP status and context.

    Args:
        detail: Human explanation specific to this occurrence.
        code: Machine-readable code; defaults to the class's. Clients switch on it.
        status: HTTP status; defaults to the class's.
        title: Short summary shared by every occurrence of this kind of error.
        context: Attributes a caller may act on (``resource``, ``id``...). They are
            sent to clients, so never put secrets or internals here.
        errors: Field-level problems, each a ``FieldError``.
    """

    code: str = "internal_error"
    status: int = 500
    title: str = "Internal Server Error"
    default_detail: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Register only classes that declare their own code, so subclasses that merely
        # specialise behaviour don't hijack the parent's code when a problem is parsed.
        if "code" in cls.__dict__:
            _REGISTRY[cls.code] = cls

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        title: str | None = None,
        context: Mapping[str, Any] | None = None,
        errors: Iterable[Mapping[str, Any] | str] | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.context: dict[str, Any] = dict(context or {})
        self.errors: list[FieldError] = normalize_field_errors(errors)
        super().__init__(self.detail or self.title)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, status={self.status}, detail={self.detail!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle through ``args``; our constructors differ per subclass,
        # so rebuild through the data instead (needed by process pools and caches).
        return (
            _restore,
            (
                type(self),
                self.detail,
                self.code,
                self.status,
                self.title,
                self.context,
                self.errors,
            ),
        )

    @classmethod
    def restore(
        cls: type[_E],
        *,
        detail: str | None,
        code: str | None = None,
        status: int | None = None,
        title: str | None = None,
        context: Mapping[str, Any] | None = None,
        errors: Iterable[Mapping[str, Any] | str] | None = None,
    ) -> _E:
        """Rebuild an error of this class from its data, bypassing the subclass constructor.

        Used when an error arrives as data (an upstream problem, a pickle): the
        subclass's friendly positional arguments are not known at that point.
        """
        error = cls.__new__(cls)
        AuroraError.__init__(
            error, detail, code=code, status=status, title=title, context=context, errors=errors
        )
        return error


def _restore(
    cls: type[AuroraError],
    detail: str | None,
    code: str,
    status: int,
    title: str,
    context: dict[str, Any],
    errors: list[FieldError],
) -> AuroraError:
    return cls.restore(
        detail=detail, code=code, status=status, title=title, context=context, errors=errors
    )


def error_class_for_code(code: str) -> type[AuroraError] | None:
    """The registered error class for a machine-readable code, if any."""
    return _REGISTRY.get(code)


_REGISTRY[AuroraError.code] = AuroraError

"""Turning untrusted names (uploads, user input) into safe single file names.

``sanitize_filename`` answers one question: "can I join this to a directory and
write to it on Linux, macOS or Windows without surprises?" So the result is one
path component with no separators, no ``..``, no control or invisible
characters, no hidden-file dot, no Windows device name, no trailing dot or
space, and at most ``max_length`` UTF-8 bytes, while keeping the extension (the
thing that decides how the file is opened) whenever it can.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["sanitize_filename"]

_FALLBACK_STEM = "unnamed"
_MAX_EXTENSION = 16
_SEPARATORS = re.compile(r"[/\\]")
_EDGES = re.compile(r"\A[\s.]+|[\s.]+\Z")
_SPACED_DOT = re.compile(r"\s*\.\s*")
# Device names Windows resolves in any directory and with any extension ("nul.txt").
# Names with "$" (CONIN$, CLOCK$) cannot survive sanitising, so they need no entry.
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{device}{digit}" for device in ("COM", "LPT") for digit in "0123456789"]
)


def sanitize_filename(name: str, *, max_length: int = 255) -> str:
    """A safe file name derived from ``name``; never empty, ``.`` or ``..``.

    Directory parts are dropped (``../../etc/passwd`` gives ``passwd``), text is
    NFKC-normalised (a fullwidth solidus becomes a slash), each run of whitespace
    or of characters other than letters, digits, marks, ``_``, ``-`` and ``.``
    becomes one ``_``, and Windows device names get a ``_`` prefix.

    ``sanitize_filename("my file.pdf") == "my_file.pdf"``

    Args:
        name: The untrusted name.
        max_length: Limit in UTF-8 bytes (255 is the common file-system limit);
            the stem is shortened first so the extension survives.

    Raises:
        ValueError: ``max_length`` is below 1.
    """
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length!r}")
    base = _clean(_last_component(unicodedata.normalize("NFKC", name)))
    stem, extension = _split_extension(base)
    # A leading "-" would read as an option to a command-line tool.
    stem = stem.lstrip(".-") or _FALLBACK_STEM
    result = _fit(stem, extension, max_length)
    if _is_reserved(result):
        result = _fit("_" + stem, extension, max_length)
    return result


def _last_component(path: str) -> str:
    """The last part that names something: browsers may send whole client paths."""
    for part in reversed(_SEPARATORS.split(path)):
        if _EDGES.sub("", part):
            return part
    return ""


def _clean(base: str) -> str:
    # Leading dots hide files; Windows drops trailing dots and spaces on its own.
    kept = "".join(char if _is_safe(char) else " " for char in _EDGES.sub("", base))
    kept = _SPACED_DOT.sub(".", kept)  # "Report (final).pdf": no "_" glued to the dot
    return "_".join(kept.split()).rstrip(".")


def _split_extension(base: str) -> tuple[str, str]:
    """Split on the last dot when what follows looks like an extension."""
    stem, dot, extension = base.rpartition(".")
    if dot and extension.isalnum() and len(extension) <= _MAX_EXTENSION:
        return stem, extension
    return base, ""


def _is_safe(char: str) -> bool:
    return char in "_-." or unicodedata.category(char)[0] in "LNM"


def _fit(stem: str, extension: str, max_length: int) -> str:
    suffix = f".{extension}" if extension else ""
    budget = max_length - len(suffix.encode())
    short_stem = _cut(stem, budget) if budget > 0 else ""
    if short_stem and suffix:
        return short_stem + suffix
    # No extension, or no room for it: keep the start of the whole name.
    return _cut(stem + suffix, max_length).rstrip(".") or "_"


def _cut(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` within ``max_bytes`` UTF-8 bytes."""
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode(errors="ignore")


def _is_reserved(file_name: str) -> bool:
    return file_name.split(".", 1)[0].upper() in _RESERVED

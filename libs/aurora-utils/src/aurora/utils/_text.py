"""Text shaping: slugs, truncation and identifier case conversions.

Services need these at their edges: URL slugs from titles, previews that fit a
column, and the same name spelled for Python (snake), JSON (camel), classes
(Pascal) and URLs or headers (kebab).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "slugify",
    "to_camel_case",
    "to_kebab_case",
    "to_pascal_case",
    "to_snake_case",
    "truncate",
]

# Latin letters that carry no decomposition, so NFKD alone would drop them.
_TRANSLITERATIONS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "đ": "d",
     "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "\u0131": "i"}
)  # fmt: skip
_ASCII_RUNS = re.compile(r"[a-z0-9]+")
_UNICODE_RUNS = re.compile(r"[^\W_]+")
_LAST_SPACE = re.compile(r"\s\S*\Z")


def slugify(
    text: str, *, separator: str = "-", max_length: int | None = None, allow_unicode: bool = False
) -> str:
    """A lowercase URL slug: ``slugify("Héllo, Wörld!") == "hello-world"``.

    Accents are folded to ASCII and other characters dropped, unless
    ``allow_unicode`` keeps letters of every script. The result may be empty
    when ``text`` has nothing usable; callers decide what that means.

    Args:
        separator: Joins the words.
        max_length: Cut at a word boundary so the slug fits, when possible.
        allow_unicode: Keep non-ASCII letters and digits (NFKC-normalised).
    """
    if allow_unicode:
        words = _UNICODE_RUNS.findall(unicodedata.normalize("NFKC", text).lower())
    else:
        folded = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))
        words = _ASCII_RUNS.findall(folded.encode("ascii", "ignore").decode().lower())
    slug = separator.join(words)
    if max_length is None or len(slug) <= max_length:
        return slug
    return _cut_words(words, separator, max_length)


def _cut_words(words: list[str], separator: str, max_length: int) -> str:
    kept: list[str] = []
    length = -len(separator)
    for word in words:
        length += len(separator) + len(word)
        if length > max_length:
            break
        kept.append(word)
    # A first word longer than the limit is cut mid-word rather than lost.
    return separator.join(kept) if kept else words[0][:max_length]


def truncate(text: str, max_length: int, *, suffix: str = "…", word_boundary: bool = False) -> str:
    """``text`` cut to at most ``max_length`` characters, ``suffix`` included.

    Args:
        suffix: Appended when something was cut (a single-character ellipsis by
            default, so it costs one character).
        word_boundary: Cut at the last whitespace rather than mid-word, when the
            kept part has one.

    Raises:
        ValueError: ``max_length`` is negative.
    """
    if max_length < 0:
        raise ValueError(f"max_length must be >= 0, got {max_length!r}")
    if len(text) <= max_length:
        return text
    if len(suffix) >= max_length:
        return text[:max_length]  # no room for the suffix: plain text is more useful
    kept = text[: max_length - len(suffix)]
    if word_boundary and not text[len(kept)].isspace():
        last_space = _LAST_SPACE.search(kept)
        if last_space is not None and last_space.start() > 0:
            kept = kept[: last_space.start()]
    return kept.rstrip() + suffix


def _words(name: str) -> list[str]:
    """Split an identifier into words at separators and case changes.

    ``"HTTPServerError2Fa"`` gives ``HTTP, Server, Error2, Fa``: an upper-case
    letter starts a word after a lower-case letter or digit, or ends an acronym
    when a lower-case letter follows it. Digits stay with the word before them.
    """
    words: list[str] = []
    for run in _alphanumeric_runs(name):
        start = 0
        for index in range(1, len(run)):
            char, previous = run[index], run[index - 1]
            follows_lower = previous.islower() or previous.isdigit()
            ends_acronym = _is_upper(previous) and index + 1 < len(run) and run[index + 1].islower()
            if _is_upper(char) and (follows_lower or ends_acronym):
                words.append(run[start:index])
                start = index
        words.append(run[start:])
    return words


def _is_upper(char: str) -> bool:
    # Lower-casing must remove what made the boundary, or a second conversion would
    # split again: MATHEMATICAL FRAKTUR CAPITAL J is upper case with no lower-case form.
    return char != char.lower()


def _alphanumeric_runs(text: str) -> list[str]:
    """Runs of letters and digits, combining marks included.

    Marks matter because lower-casing can create them ("İ" becomes "i" plus a
    combining dot); dropping them would make a second conversion differ.
    """
    runs: list[str] = []
    current: list[str] = []
    for char in text:
        if char.isalnum() or (current and unicodedata.category(char).startswith("M")):
            current.append(char)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def _capitalized(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def to_snake_case(name: str) -> str:
    """``"userId"``, ``"UserID"``, ``"user-id"`` all give ``"user_id"``."""
    return "_".join(word.lower() for word in _words(name))


def to_kebab_case(name: str) -> str:
    """``"userId"`` gives ``"user-id"``."""
    return "-".join(word.lower() for word in _words(name))


def to_camel_case(name: str) -> str:
    """``"user_id"`` gives ``"userId"`` (acronyms become words: ``"httpServer"``)."""
    words = _words(name)
    if not words:
        return ""
    return words[0].lower() + "".join(_capitalized(word) for word in words[1:])


def to_pascal_case(name: str) -> str:
    """``"user_id"`` gives ``"UserId"``."""
    return "".join(_capitalized(word) for word in _words(name))

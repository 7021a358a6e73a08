"""The distribution's version, sent in ``User-Agent``."""

__all__ = ["VERSION"]

VERSION = "0.1.0"

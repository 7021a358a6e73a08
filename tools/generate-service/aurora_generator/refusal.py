"""The one way the generator says no.

Every refusal is a single line on stderr and a non-zero exit, raised before anything
is written: validated inputs, as Backstage's software templates do, instead of a
half-generated service to clean up by hand.
"""

from __future__ import annotations

__all__ = ["RefusalError"]


class RefusalError(Exception):
    """A request the generator will not carry out; ``str(refusal)`` is the whole reason.

    The message is normalised to one line so nothing downstream can turn it into a
    multi-line report by accident.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(reason.split()))

    @property
    def reason(self) -> str:
        """The one-line reason, as shown to the user."""
        return str(self.args[0])

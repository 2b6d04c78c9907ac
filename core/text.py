from __future__ import annotations


class LazyFormat:
    """A translatable text with %(name)s placeholders, filled in when it is rendered: in the
    language active then (the recipient's, for notifications), not the one active now."""

    def __init__(self, text: object, **values: object) -> None:
        self.text = text
        self.values = values

    def __str__(self) -> str:
        return str(self.text) % self.values

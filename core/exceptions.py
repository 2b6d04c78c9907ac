from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an action. ``code`` is stable: clients may rely on it."""

    code = "domain_error"
    status_code = 409

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

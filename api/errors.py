"""Domain errors: what operations raise when they refuse, in the domain's own words.

They know nothing of HTTP. The one mapping to a status and the JSON body is
``api.http_errors`` (installed at the request boundary). Each carries a message for
people, ``errors`` as ``{field: [messages]}`` naming the input to blame, and where a client
must branch on the refusal a machine-readable ``reason`` (a stable snake_case code).
"""


class DomainError(Exception):
    """A refusal the caller can understand; subclasses say what kind of refusal it is."""

    def __init__(
        self,
        message: str,
        errors: dict[str, list[str]] | None = None,
        *,
        reason: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.reason = reason


class Invalid(DomainError):
    """The input is well-formed but cannot be accepted as given (a field's value, a combination)."""


class Malformed(DomainError):
    """The request cannot be read as meant (a tampered cursor, a token that is not one)."""


class NotFound(DomainError):
    """No such thing for this caller (also what another clinic's or patient's record looks like)."""


class Conflict(DomainError):
    """The thing is not in a state that allows the change, or the key is taken by other data."""


class Unauthenticated(DomainError):
    """Who the caller is could not be established (credentials, a code, a session)."""


class Forbidden(DomainError):
    """The caller is known and may not do this (yet)."""


class Throttled(DomainError):
    """Too many attempts; ``retry_after`` seconds until the next one can succeed."""

    def __init__(self, message: str, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

"""Domain exceptions. Services raise them; the web layer maps each to one HTTP status.

Every error carries ``errors``: ``{field or "global": [messages]}``, the body
of the API's error contract.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    # The partner API's body when it differs from ``errors`` (its messages are sometimes bare strings).
    flat: dict[str, object] | None = None

    def __init__(self, message: str | dict[str, list[str]], field: str = "global") -> None:
        self.errors: dict[str, list[str]] = (
            {k: list(v) for k, v in message.items()} if isinstance(message, dict) else {field: [message]}
        )
        super().__init__(str(self.errors))


class InvalidInput(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401

    def __init__(self, message: str = "Authentication is required", field: str = "global") -> None:
        super().__init__(message, field)


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str = "Not found", field: str = "global") -> None:
        super().__init__(message, field)


class Conflict(DomainError):
    status = 409


class Gone(DomainError):
    status = 410


class PayloadTooLarge(DomainError):
    status = 413


class RateLimited(DomainError):
    status = 429

    def __init__(self, retry_after: int, message: str = "Too many attempts, try again later") -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message)


class ServiceUnavailable(DomainError):
    """The data store was throttled, too slow for the request's deadline, or unreachable: retry later."""

    status = 503

    def __init__(self, retry_after: int, message: str = "The service is busy; try again in a moment") -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message)


class BadGateway(ServiceUnavailable):
    """A partner system we called (ticketing) failed or answered what it should not: retry later."""

    status = 502


class GatewayTimeout(ServiceUnavailable):
    """A partner system we called (ticketing) did not answer in time: retry later."""

    status = 504


def flat(exc: DomainError, body: dict[str, object]) -> DomainError:
    """``exc`` answered on the partner API with exactly ``body`` (``{"global": "..."}``)."""
    exc.flat = body
    return exc

"""APIO errors as exceptions that know their HTTP status and body; one middleware renders them.

Two body shapes, as APIO documents them: a list of numbered error objects for 400 INVALID_PARAMETERS,
and a single `details` string for the errors that have no documented number (401, 403, 404, 405, 413,
416, 500). APIO core, in front of the gateway, answers its own 401s with `{"error": "..."}`.
"""

from collections.abc import Iterable
from typing import Any, ClassVar

INVALID_PARAMETERS = 2

# The documented sub-errors of the statistics endpoint, word for word.
INVALID_DATE_FORMAT = "The format of start date or end date is invalid."
DATE_IN_FUTURE = "Start date or end date in the future"
END_BEFORE_START = "End date can not be earlier than start date."


class ApioError(Exception):
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"details": self.message}

    def headers(self) -> dict[str, str]:
        return {}


class InvalidParameters(ApioError):
    """400, code 2 INVALID_PARAMETERS: one error object per problem found."""

    status = 400

    def __init__(self, messages: str | Iterable[str]) -> None:
        items = [messages] if isinstance(messages, str) else list(dict.fromkeys(messages))
        super().__init__(items[0])
        self.messages = items

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": INVALID_PARAMETERS, "message": message} for message in self.messages]}


class Unauthorized(ApioError):
    """401 from the gateway: no session, a wrong password, an expired or unknown session."""

    status = 401


class CoreUnauthorized(ApioError):
    """401 from APIO core (login, tokens, the proxy prefix): its body is `{"error": "..."}`."""

    status = 401

    def body(self) -> dict[str, Any]:
        return {"error": self.message}


class Forbidden(ApioError):
    status = 403


class NotFound(ApioError):
    status = 404


class MethodNotAllowed(ApioError):
    status = 405

    def __init__(self, message: str, allowed: Iterable[str]) -> None:
        super().__init__(message)
        self.allowed = sorted(allowed)

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class PayloadTooLarge(ApioError):
    status = 413


class BadMediaType(ApioError):
    """APIO's own meaning of 416: the body is not a JSON object."""

    status = 416


class InternalError(ApioError):
    status = 500


class HttpError(ApioError):
    """An error of any status with a `details` body: framework errors, and errors injected as faults."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

"""Errors that BroadWorks raised, as APIO passes them on: the OCI error mapped into the APIO error's `details`.

apio-docs (broadsoft/api/mapping.html) lists the attributes of the mapping: `error_code`, `level`
(`Warning` or `Error`), `summary`, `detail`. Portals show `errors[0].details.errors["0"].summary`.
The body keeps to schemas/oci-error.schema.json.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from simulator.errors import HttpError


class OciLevel(StrEnum):
    WARNING = "Warning"
    ERROR = "Error"


@dataclass(frozen=True, slots=True)
class OciError:
    """One OCI ErrorResponse, in the attributes of APIO's mapping."""

    error_code: int
    summary: str
    level: OciLevel = OciLevel.ERROR
    detail: str = ""

    def mapping(self) -> dict[str, Any]:
        return {"error_code": self.error_code, "level": str(self.level), "summary": self.summary, "detail": self.detail}


def oci_error_body(code: int, message: str, errors: Sequence[OciError]) -> dict[str, Any]:
    """An APIO error whose `details.errors` holds the OCI errors keyed "0", "1"..., as portals read them."""
    if not errors:
        raise ValueError("a BroadWorks error carries at least one OCI error")
    details = {"errors": {str(i): error.mapping() for i, error in enumerate(errors)}}
    return {"errors": [{"code": code, "message": message, "details": details}]}


class BroadWorksError(HttpError):
    """An error BroadWorks raised: the HTTP status and APIO code are the caller's choice."""

    def __init__(self, status: int, code: int, message: str, errors: Sequence[OciError]) -> None:
        self._body = oci_error_body(code, message, errors)  # first: refuses an empty list
        super().__init__(status, message)
        self.code = code
        self.errors = tuple(errors)

    def body(self) -> dict[str, Any]:
        return self._body

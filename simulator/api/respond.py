"""Every emulated response is checked against its schema before it leaves."""

from typing import Any

from aiohttp import web

from simulator.errors import InternalError
from simulator.state import SimulatorState

STATE = web.AppKey("state", SimulatorState)


def state_of(request: web.Request) -> SimulatorState:
    return request.app[STATE]


class ResponseSchemaViolation(InternalError):
    """The simulator was about to send a body its own schema forbids: a simulator bug, never hidden."""


def respond(request: web.Request, schema: str, body: dict[str, Any]) -> web.Response:
    state = state_of(request)
    problems = state.schemas.problems(schema, body)
    if problems:
        first = problems[0]
        raise ResponseSchemaViolation(
            f"Simulator bug: the response broke {state.schemas.file_name(schema)}, rule '{first.rule}' "
            f"at {first.where or 'the top level'}: {first.message}"
        )
    return web.json_response(body)

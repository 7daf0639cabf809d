"""GET .../statistics/: queue and agent statistics of a call center over a range."""

from typing import Any

from aiohttp import web

from simulator.api.body import read_json_object
from simulator.api.faults import request_now
from simulator.api.paths import call_center_key
from simulator.api.respond import respond, state_of
from simulator.durations import InvalidDuration, parse_duration
from simulator.errors import DATE_IN_FUTURE, END_BEFORE_START, INVALID_DATE_FORMAT, InvalidParameters
from simulator.instants import (
    MICROS_PER_SECOND,
    Instant,
    InvalidDateTime,
    OffsetInstant,
    format_date_time,
    parse_date_time,
)
from simulator.state import Namespace
from simulator.statistics import CallCenterStatistics, compute_statistics

_RANGE_ENDS = ("start", "end")
_QUERY_NAMES = (*_RANGE_ENDS, "last")
MAX_LAST_DAYS = 3660
_DATE_PATHS = {("statisticsRange", name) for name in _RANGE_ENDS}


async def get_statistics(request: web.Request) -> web.Response:
    state = state_of(request)
    now = request_now(request)
    call_center = state.call_center(call_center_key(request))
    body = await read_json_object(request)
    query_range = _query_range(request)
    if query_range and body is not None:
        raise InvalidParameters("Give the statistics range in the body or in the query string, not both.")
    if "last" in query_range:
        start, end = _last(query_range, now)
    else:
        start, end = statistics_range(state, {"statisticsRange": query_range} if query_range else body or {}, now)
    statistics = compute_statistics(call_center, start.instant, end.instant, now)
    return respond(request, "statistics-response", render_statistics(start, end, statistics))


def _query_range(request: web.Request) -> dict[str, str]:
    """The simulator's extension for clients that cannot send a body with GET: ?start=...&end=..., or
    ?last=PT1H for the hour up to now (real APIO has neither)."""
    found = {}
    for name in _QUERY_NAMES:
        values = request.query.getall(name, [])
        if len(values) > 1:
            raise InvalidParameters(f"The query parameter {name} is given more than once.")
        if values:
            found[name] = values[0]
    return found


def _last(query: dict[str, str], now: Instant) -> tuple[OffsetInstant, OffsetInstant]:
    """?last=PT1H: the range of that length that ends now, written in UTC."""
    if len(query) > 1:
        raise InvalidParameters("Give either last or start (and end) in the query string, not both.")
    try:
        length = parse_duration(query["last"])
    except InvalidDuration as exc:
        raise InvalidParameters(f"The query parameter last: {exc}") from None
    if length > MAX_LAST_DAYS * 86_400 * MICROS_PER_SECOND:
        raise InvalidParameters(f"The query parameter last may be at most P{MAX_LAST_DAYS}D.")
    return OffsetInstant(now - length, 0, zulu=True), OffsetInstant(now, 0, zulu=True)


def statistics_range(state: Namespace, body: dict[str, Any], now: Instant) -> tuple[OffsetInstant, OffsetInstant]:
    """The range asked for, checked in APIO's order: format, then the future, then end before start, at `now`
    (the request's instant)."""
    problems = state.schemas.problems("statistics-request", body)
    if problems:
        raise InvalidParameters(
            INVALID_DATE_FORMAT if problem.path in _DATE_PATHS and problem.rule != "required" else problem.message
            for problem in problems
        )
    texts = body["statisticsRange"]
    try:
        start = parse_date_time(texts["start"])
        end = parse_date_time(texts["end"]) if "end" in texts else None
    except InvalidDateTime:
        raise InvalidParameters(INVALID_DATE_FORMAT) from None
    if start.instant > now or (end is not None and end.instant > now):
        raise InvalidParameters(DATE_IN_FUTURE)
    if end is None:
        end = start.at(now)
    if end.instant < start.instant:
        raise InvalidParameters(END_BEFORE_START)
    return start, end


def render_statistics(start: OffsetInstant, end: OffsetInstant, statistics: CallCenterStatistics) -> dict[str, Any]:
    queue = statistics.queue
    return {
        "statisticsRange": {"start": format_date_time(start), "end": format_date_time(end)},
        "queueStatistics": {
            "busyOverflows": queue.busy_overflows,
            "callsAnswered": queue.calls_answered,
            "callsAbandoned": queue.calls_abandoned,
            "callsTransferred": queue.calls_transferred,
            "callsTimedout": queue.calls_timed_out,
            "averageAgentsTalking": queue.average_agents_talking,
            "averageAgentsStaffed": queue.average_agents_staffed,
            "averageWaitSeconds": queue.average_wait_seconds,
            "averageAbandonmentSeconds": queue.average_abandonment_seconds,
        },
        "agentStatistics": [
            {
                "agentUserId": agent.agent.user_id,
                "agentDisplayNames": {"lastName": agent.agent.last_name, "firstName": agent.agent.first_name},
                "available": agent.available,
                "statistics": {
                    "callsHandled": agent.calls_handled,
                    "callsUnanswered": agent.calls_unanswered,
                    "averageCallSeconds": agent.average_call_seconds,
                    "totalTalkSeconds": agent.total_talk_seconds,
                    "totalStaffedSeconds": agent.total_staffed_seconds,
                },
            }
            for agent in statistics.agents
        ],
    }

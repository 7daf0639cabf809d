"""Queue and agent statistics of a call center over a half-open range [start, end).

A pure function of (call center, range, now), as defined in docs/statistics.md:

- answered, abandoned, transferred and timed-out calls count when their outcome (arrival + wait) falls in
  the range; busy overflows count at arrival;
- talk runs from the answer for `talk_seconds` and is clipped to the range; hold follows the talk;
- each offer in a call's `unanswered_by` counts one unanswered call for that agent, at the outcome;
- staffed time is the agent's sessions clipped to the range;
- whole-second averages are floored, agent averages are truncated to one decimal, and a zero
  denominator gives 0.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from simulator.instants import MICROS_PER_SECOND, Instant
from simulator.model import CallCenter, Outcome, User


@dataclass(frozen=True, slots=True)
class QueueStatistics:
    busy_overflows: int
    calls_answered: int
    calls_abandoned: int
    calls_transferred: int
    calls_timed_out: int
    average_agents_talking: float
    average_agents_staffed: float
    average_wait_seconds: int
    average_abandonment_seconds: int


@dataclass(frozen=True, slots=True)
class AgentStatistics:
    agent: User
    available: bool
    calls_handled: int
    calls_unanswered: int
    average_call_seconds: int
    total_talk_seconds: int
    total_staffed_seconds: int


@dataclass(frozen=True, slots=True)
class CallCenterStatistics:
    queue: QueueStatistics
    agents: tuple[AgentStatistics, ...]


def compute_statistics(call_center: CallCenter, start: Instant, end: Instant, now: Instant) -> CallCenterStatistics:
    """Statistics of `call_center` over [start, end); `now` decides each agent's `available`."""

    def in_range(instant: Instant) -> bool:
        return start <= instant < end

    def clipped(begin: Instant, finish: Instant | None) -> Instant:
        stop = end if finish is None else min(finish, end)
        return max(0, stop - max(begin, start))

    # A busy overflow never waits, so its outcome time is its arrival: one attribution rule serves all.
    counted = [call for call in call_center.calls if in_range(call.outcome_at)]

    def count(outcome: Outcome) -> int:
        return sum(1 for call in counted if call.outcome is outcome)

    answered = [call for call in counted if call.outcome is Outcome.ANSWERED]
    abandoned = [call for call in counted if call.outcome is Outcome.ABANDONED]

    agents = []
    for user in call_center.agents:
        agent_id = user.user_id
        handled = [call for call in answered if call.agent == agent_id]
        talk = sum(
            clipped(call.outcome_at, call.talk_ends_at)
            for call in call_center.calls
            if call.outcome is Outcome.ANSWERED and call.agent == agent_id
        )
        sessions = [session for session in call_center.sessions if session.agent == agent_id]
        staffed = sum(clipped(session.signed_in_at, session.signed_out_at) for session in sessions)
        agents.append(
            AgentStatistics(
                agent=user,
                available=any(session.covers(now) for session in sessions),
                calls_handled=len(handled),
                calls_unanswered=sum(call.unanswered_by.count(agent_id) for call in counted),
                average_call_seconds=_floor_mean(call.talk_seconds + call.hold_seconds for call in handled),
                total_talk_seconds=talk // MICROS_PER_SECOND,
                total_staffed_seconds=staffed // MICROS_PER_SECOND,
            )
        )

    range_micros = end - start
    queue = QueueStatistics(
        busy_overflows=count(Outcome.BUSY_OVERFLOW),
        calls_answered=len(answered),
        calls_abandoned=len(abandoned),
        calls_transferred=count(Outcome.TRANSFERRED),
        calls_timed_out=count(Outcome.TIMED_OUT),
        average_agents_talking=average_agents(sum(a.total_talk_seconds for a in agents), range_micros),
        average_agents_staffed=average_agents(sum(a.total_staffed_seconds for a in agents), range_micros),
        average_wait_seconds=_floor_mean(call.wait_seconds for call in answered),
        average_abandonment_seconds=_floor_mean(call.wait_seconds for call in abandoned),
    )
    return CallCenterStatistics(queue=queue, agents=tuple(agents))


def average_agents(agent_seconds: int, range_micros: int) -> float:
    """agent_seconds / range seconds, truncated (not rounded) to one decimal, in exact integer arithmetic."""
    if range_micros <= 0:
        return 0.0
    return (10 * agent_seconds * MICROS_PER_SECOND // range_micros) / 10


def _floor_mean(values: Iterable[int]) -> int:
    items = list(values)
    return sum(items) // len(items) if items else 0

"""A plain, obviously correct reference for the statistics rules: a loop over every call and session.

The simulator's engine (`simulator.statistics`) answers in O(log n) from sorted indexes; property tests
check that it gives exactly these answers. Keep this one simple: it is the definition.
"""

from collections.abc import Sequence

from simulator.instants import MICROS_PER_SECOND, Instant
from simulator.model import AgentSession, Call, Outcome, User
from simulator.statistics import AgentStatistics, CallCenterStatistics, QueueStatistics, average_agents


def reference_statistics(
    agents: Sequence[User],
    calls: Sequence[Call],
    sessions: Sequence[AgentSession],
    start: Instant,
    end: Instant,
    now: Instant,
) -> CallCenterStatistics:
    def in_range(instant: Instant) -> bool:
        return start <= instant < end

    def clipped(begin: Instant, finish: Instant | None) -> Instant:
        stop = end if finish is None else min(finish, end)
        return max(0, stop - max(begin, start))

    def floor_mean(values: list[int]) -> int:
        return sum(values) // len(values) if values else 0

    counted = [call for call in calls if in_range(call.outcome_at)]
    answered = [call for call in counted if call.outcome is Outcome.ANSWERED]
    abandoned = [call for call in counted if call.outcome is Outcome.ABANDONED]
    results = []
    for user in agents:
        handled = [call for call in answered if call.agent == user.user_id]
        talk = sum(
            clipped(call.outcome_at, call.talk_ends_at)
            for call in calls
            if call.outcome is Outcome.ANSWERED and call.agent == user.user_id
        )
        own = [session for session in sessions if session.agent == user.user_id]
        staffed = sum(clipped(session.signed_in_at, session.signed_out_at) for session in own)
        results.append(
            AgentStatistics(
                agent=user,
                available=any(session.covers(now) for session in own),
                calls_handled=len(handled),
                calls_unanswered=sum(call.unanswered_by.count(user.user_id) for call in counted),
                average_call_seconds=floor_mean([call.talk_seconds + call.hold_seconds for call in handled]),
                total_talk_seconds=talk // MICROS_PER_SECOND,
                total_staffed_seconds=staffed // MICROS_PER_SECOND,
            )
        )
    queue = QueueStatistics(
        busy_overflows=sum(1 for call in counted if call.outcome is Outcome.BUSY_OVERFLOW),
        calls_answered=len(answered),
        calls_abandoned=len(abandoned),
        calls_transferred=sum(1 for call in counted if call.outcome is Outcome.TRANSFERRED),
        calls_timed_out=sum(1 for call in counted if call.outcome is Outcome.TIMED_OUT),
        average_agents_talking=average_agents(sum(a.total_talk_seconds for a in results), end - start),
        average_agents_staffed=average_agents(sum(a.total_staffed_seconds for a in results), end - start),
        average_wait_seconds=floor_mean([call.wait_seconds for call in answered]),
        average_abandonment_seconds=floor_mean([call.wait_seconds for call in abandoned]),
    )
    return CallCenterStatistics(queue=queue, agents=tuple(results))

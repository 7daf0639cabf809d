"""A call center's history as columns: one numpy array per field, so a million calls cost tens of MB.

Hand-written scenarios give records (`Call`, `AgentSession`), turned into columns here; the generator
writes columns directly. Records can be had back for export and for checking against a reference.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.instants import MICROS_PER_SECOND
from simulator.model import AgentSession, Call, Outcome, User

OUTCOMES = (Outcome.ANSWERED, Outcome.ABANDONED, Outcome.TRANSFERRED, Outcome.TIMED_OUT, Outcome.BUSY_OVERFLOW)
OUTCOME_CODES = {outcome: code for code, outcome in enumerate(OUTCOMES)}
ANSWERED, ABANDONED, TRANSFERRED, TIMED_OUT, BUSY_OVERFLOW = range(len(OUTCOMES))
NO_AGENT = -1
OPEN = np.iinfo(np.int64).max
"""The end of a session that has none: the agent is still signed in."""


@dataclass(frozen=True, eq=False)
class History:
    """Calls (sorted by arrival) and agent sessions of one call center; agents are indexes into its list."""

    arrived_at: np.ndarray  # int64 microseconds
    outcome: np.ndarray  # int8, an index into OUTCOMES
    wait: np.ndarray  # int32 seconds
    agent: np.ndarray  # int32: the answering agent, NO_AGENT for the others
    talk: np.ndarray  # int32 seconds
    hold: np.ndarray  # int32 seconds
    unanswered_call: np.ndarray  # int64: one entry per unanswered offer, the call ...
    unanswered_agent: np.ndarray  # int32: ... and the agent it was offered to
    session_agent: np.ndarray  # int32
    session_from: np.ndarray  # int64 microseconds
    session_to: np.ndarray  # int64 microseconds, OPEN while still signed in

    def __len__(self) -> int:
        return len(self.arrived_at)

    @property
    def outcome_at(self) -> np.ndarray:
        """When each call's outcome happens: arrival plus wait (a busy overflow never waits)."""
        return self.arrived_at + self.wait.astype(np.int64) * MICROS_PER_SECOND

    @classmethod
    def from_records(cls, calls: Sequence[Call], sessions: Sequence[AgentSession], agents: Sequence[User]) -> "History":
        position = {user.user_id: index for index, user in enumerate(agents)}
        ordered = sorted(calls, key=lambda call: call.arrived_at)
        offers = [(i, position[agent]) for i, call in enumerate(ordered) for agent in call.unanswered_by]
        return cls(
            arrived_at=np.array([call.arrived_at for call in ordered], dtype=np.int64),
            outcome=np.array([OUTCOME_CODES[call.outcome] for call in ordered], dtype=np.int8),
            wait=np.array([call.wait_seconds for call in ordered], dtype=np.int32),
            agent=np.array([position.get(call.agent, NO_AGENT) for call in ordered], dtype=np.int32),
            talk=np.array([call.talk_seconds for call in ordered], dtype=np.int32),
            hold=np.array([call.hold_seconds for call in ordered], dtype=np.int32),
            unanswered_call=np.array([i for i, _ in offers], dtype=np.int64),
            unanswered_agent=np.array([a for _, a in offers], dtype=np.int32),
            session_agent=np.array([position[s.agent] for s in sessions], dtype=np.int32),
            session_from=np.array([s.signed_in_at for s in sessions], dtype=np.int64),
            session_to=np.array(
                [OPEN if s.signed_out_at is None else s.signed_out_at for s in sessions], dtype=np.int64
            ),
        )

    def merged(self, other: "History") -> "History":
        """Both histories' calls (in arrival order) and sessions."""
        order = np.argsort(np.concatenate((self.arrived_at, other.arrived_at)), kind="stable")
        new_place = np.empty(len(order), dtype=np.int64)
        new_place[order] = np.arange(len(order))
        columns = {
            name: np.concatenate((getattr(self, name), getattr(other, name)))[order]
            for name in ("arrived_at", "outcome", "wait", "agent", "talk", "hold")
        }
        offered = np.concatenate((self.unanswered_call, other.unanswered_call + len(self)))
        sessions = {
            name: np.concatenate((getattr(self, name), getattr(other, name)))
            for name in ("session_agent", "session_from", "session_to", "unanswered_agent")
        }
        return History(**columns, unanswered_call=new_place[offered], **sessions)

    def overlapping_sessions(self) -> list[int]:
        """Agents with two sessions at once (staffed time would count twice)."""
        order = np.lexsort((self.session_from, self.session_agent))
        agent, start, end = self.session_agent[order], self.session_from[order], self.session_to[order]
        clash = (agent[1:] == agent[:-1]) & (start[1:] < end[:-1])
        return sorted(set(agent[1:][clash].tolist()))

    def calls(self, agents: Sequence[User]) -> list[Call]:
        """The calls as records (for export and for checking), in arrival order."""
        offered: dict[int, list[str]] = {}
        for call, agent in zip(self.unanswered_call.tolist(), self.unanswered_agent.tolist(), strict=True):
            offered.setdefault(call, []).append(agents[agent].user_id)
        columns = zip(
            self.arrived_at.tolist(),
            self.outcome.tolist(),
            self.wait.tolist(),
            self.agent.tolist(),
            self.talk.tolist(),
            self.hold.tolist(),
            strict=True,
        )
        return [
            Call(
                arrived_at=arrived,
                outcome=OUTCOMES[outcome],
                wait_seconds=wait,
                agent=None if agent == NO_AGENT else agents[agent].user_id,
                talk_seconds=talk,
                hold_seconds=hold,
                unanswered_by=tuple(offered.get(i, ())),
            )
            for i, (arrived, outcome, wait, agent, talk, hold) in enumerate(columns)
        ]

    def sessions(self, agents: Sequence[User]) -> list[AgentSession]:
        return [
            AgentSession(agents[agent].user_id, start, None if end == OPEN else end)
            for agent, start, end in zip(
                self.session_agent.tolist(), self.session_from.tolist(), self.session_to.tolist(), strict=True
            )
        ]

    @property
    def nbytes(self) -> int:
        return sum(column.nbytes for column in vars(self).values())

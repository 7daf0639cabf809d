"""The simulator clock is read once per request: the journal and the statistics see the same instant."""

from simulator.clock import Clock
from tests.conftest import CC1, WORKED_EXAMPLE, cc_path, namespace_of

STATISTICS = cc_path(*CC1, "statistics")
START = 1_612_137_600_000_000  # 2021-02-01T00:00:00Z


async def test_a_request_reads_the_clock_once_and_everything_in_it_sees_that_instant(make_client):
    client = await make_client(WORKED_EXAMPLE, auth=False, login=None)
    reads: list[int] = []

    def ticking() -> int:  # a wall clock that moves an hour each time it is read, in nanoseconds
        reads.append(1)
        return (START + len(reads) * 3_600_000_000) * 1000

    namespace_of(client).clock = Clock(wall_clock=ticking)
    response = await client.get(STATISTICS, params={"start": "2021-02-01T00:00:00Z"})
    assert response.status == 200
    answered_end = (await response.json())["statisticsRange"]["end"]
    assert len(reads) == 1
    [entry] = (await (await client.get("/__sim/requests", params={"endpoint": "statistics"})).json())["requests"]
    assert answered_end == entry["time"] == "2021-02-01T01:00:00Z"

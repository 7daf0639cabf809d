"""The reporting client's tests, written against apio-sim's `apio_sim` fixture (no set-up needed)."""

import pytest
from reporting_client import ApioError, ReportingClient

CC = ("footenant", "foogroup", "APIOTestCallCenterP@sip.netaxis.be")


@pytest.fixture
def client(apio_sim):
    client = ReportingClient(apio_sim.url, "footenant-admin", "footenant-admin", headers=apio_sim.headers)
    client.login()
    return client


def test_the_documented_example(client):
    answer = client.statistics(*CC, "2021-01-01T00:00:00+01:00", "2021-03-01T00:00:00+01:00")
    assert answer["queueStatistics"]["callsAnswered"] == 0
    assert [agent["agentUserId"] for agent in answer["agentStatistics"]] == [
        "ApioUserTest1@sip.netaxis.be",
        "ApioUserTest2@sip.netaxis.be",
    ]


def test_settings_round_trip(client):
    assert client.update_settings(*CC, collectionPeriodMinutes=15)["collectionPeriodMinutes"] == 15
    assert client.settings(*CC)["collectionPeriodMinutes"] == 15


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2021-01-01", None, "The format of start date or end date is invalid."),
        ("2099-01-01T00:00:00Z", None, "Start date or end date in the future"),
        ("2021-03-02T00:00:00Z", "2021-03-01T00:00:00Z", "End date can not be earlier than start date."),
    ],
)
def test_each_sub_error(client, start, end, message):
    with pytest.raises(ApioError) as caught:
        client.statistics(*CC, start, end)
    assert (caught.value.status, caught.value.messages) == (400, [message])


def test_a_wrong_password_is_a_401(apio_sim):
    client = ReportingClient(apio_sim.url, "footenant-admin", "wrong", headers=apio_sim.headers)
    with pytest.raises(ApioError) as caught:
        client.login()
    assert (caught.value.status, caught.value.messages) == (401, ["Invalid username or password."])


def test_it_retries_after_a_503(apio_sim, client):
    apio_sim.fault("http-503", times=1, endpoint="statistics")
    answer = client.statistics(*CC, "2021-03-01T00:00:00+01:00", "2021-03-06T00:00:00+01:00")
    assert answer["queueStatistics"]["callsAnswered"] > 0
    assert [entry["status"] for entry in apio_sim.requests(endpoint="statistics")] == [503, 200]

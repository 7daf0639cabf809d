"""`apio-sim generate`: whole scenarios that validate, from options and a seed."""

import json

import pytest
import yaml

from simulator.cli import main
from simulator.instants import parse_instant
from simulator.scenario import load_scenario
from simulator.statistics import compute_statistics


def generate(tmp_path, *options: str, name: str = "s.yaml") -> str:
    path = tmp_path / name
    assert main(["generate", *options, "--output", str(path)]) == 0
    return path


def test_the_output_has_the_shape_asked_for_and_validates(tmp_path, capsys):
    path = generate(tmp_path, "--tenants", "2", "--groups", "3", "--call-centers", "2", "--agents", "4", "--days", "7")
    document = yaml.safe_load(path.read_text())
    assert [t["id"] for t in document["tenants"]] == ["tenant1", "tenant2"]
    groups = [g for t in document["tenants"] for g in t["groups"]]
    assert len(groups) == 6
    call_centers = [cc for g in groups for cc in g["callCenters"]]
    assert len(call_centers) == 12
    assert all(len(cc["agents"]) == 4 and cc["generate"]["from"] == "2021-03-01" for cc in call_centers)
    assert {cc["generate"]["to"] for cc in call_centers} == {"2021-03-07"}
    agents = [a for cc in call_centers for a in cc["agents"]]
    assert len(agents) == len(set(agents)) == 48  # every call center has agents of its own
    assert main(["validate", str(path)]) == 0
    assert "ok (12 call centers, " in capsys.readouterr().out


def test_the_file_is_small_and_the_explicit_one_behaves_the_same(tmp_path):
    blocks = generate(tmp_path, "--days", "5", "--seed", "9", name="blocks.yaml")
    explicit = generate(tmp_path, "--days", "5", "--seed", "9", "--explicit", name="explicit.yaml")
    assert blocks.stat().st_size < 4000 < explicit.stat().st_size
    first, second = load_scenario(blocks), load_scenario(explicit)
    start, end = parse_instant("2021-03-01T00:00:00+01:00"), parse_instant("2021-03-06T00:00:00+01:00")
    for key, call_center in first.call_centers().items():
        other = second.call_centers()[key]
        assert len(call_center.history) == len(other.history) > 100
        assert compute_statistics(call_center, start, end, end) == compute_statistics(other, start, end, end)


def test_the_same_options_give_the_same_file_and_another_seed_another(tmp_path):
    one = generate(tmp_path, "--seed", "4", name="one.yaml").read_text()
    two = generate(tmp_path, "--seed", "4", name="two.yaml").read_text()
    three = generate(tmp_path, "--seed", "5", name="three.yaml").read_text()
    assert one == two != three


def test_names_follow_the_locale_and_ids_stay_plain(tmp_path):
    document = yaml.safe_load(generate(tmp_path, "--locale", "fr_BE", "--agents", "20").read_text())
    users = document["tenants"][0]["groups"][0]["users"]
    assert any(not user["firstName"].isascii() or "-" in user["firstName"] for user in users)
    assert all(user["userId"].isascii() for user in users)


def test_json_when_the_file_says_so(tmp_path):
    path = generate(tmp_path, "--days", "2", name="s.json")
    assert json.loads(path.read_text())["name"] == "generated"
    assert main(["validate", str(path)]) == 0


def test_standard_output_by_default(capsys):
    assert main(["generate", "--days", "1"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["seed"] == 0


def test_an_unknown_locale_is_refused(capsys):
    assert main(["generate", "--locale", "xx_YY"]) == 2
    assert capsys.readouterr().err.startswith("apio-sim generate: ")


@pytest.mark.parametrize("option", [["--agents", "0"], ["--days", "-1"], ["--start", "yesterday"]])
def test_bad_options_are_usage_errors(option, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["generate", *option])
    assert caught.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"apio-sim generate: argument {option[0]}: must be ")

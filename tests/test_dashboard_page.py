"""The dashboard's page: served from the package, without the admin token (its data calls carry it), in the wheel."""

import zipfile

from tests.conftest import CALL_CENTER_P

SERIES = "/__sim/call-centers/{}/{}/{}/series".format(*CALL_CENTER_P)
START, END = "2021-03-01T00:00:00+01:00", "2021-03-06T00:00:00+01:00"
PAGE_FILES = [
    "index.html",
    "app.js",
    "style.css",
    "vendor/uplot/uPlot.iife.min.js",
    "vendor/uplot/uPlot.min.css",
    "vendor/uplot/LICENSE",
    "vendor/uplot/README.md",
]


async def test_the_admin_token_guards_the_series_but_not_the_page(make_client):
    client = await make_client(admin_token="s3cret")
    refused = await client.get(SERIES, params={"start": START, "end": END})
    assert refused.status == 401
    assert await refused.json() == {"details": "The control API needs 'Authorization: Bearer <admin token>'."}
    allowed = await client.get(SERIES, params={"start": START, "end": END}, headers={"Authorization": "Bearer s3cret"})
    assert allowed.status == 200
    page = await client.get("/__sim/ui/")
    assert page.status == 200
    assert page.content_type == "text/html"
    assert "apio-sim dashboard" in await page.text()


async def test_the_page_serves_its_files_and_nothing_else(client):
    for name, content_type in [
        ("app.js", "text/javascript"),
        ("style.css", "text/css"),
        ("vendor/uplot/uPlot.iife.min.js", "text/javascript"),
        ("vendor/uplot/uPlot.min.css", "text/css"),
        ("schemas/fault-rule.schema.json", "application/json"),
    ]:
        response = await client.get("/__sim/ui/" + name)
        assert response.status == 200, name
        assert response.content_type == content_type
    redirect = await client.get("/__sim/ui", allow_redirects=False)
    assert redirect.status == 302
    assert redirect.headers["Location"] == "/__sim/ui/"
    for missing in ("nothing.js", "../app.py", "%2e%2e/app.py", "vendor", "schemas/../../pyproject.toml"):
        response = await client.get("/__sim/ui/" + missing)
        assert response.status == 404, missing
        assert (await response.json())["details"].startswith("No such endpoint: ")


def test_the_wheel_carries_the_page_and_its_licence(built_wheel):
    names = set(zipfile.ZipFile(built_wheel).namelist())
    assert {f"simulator/ui/{name}" for name in PAGE_FILES} <= names
    assert "simulator/_data/schemas/fault-rule.schema.json" in names
    assert "simulator/_data/schemas/series.schema.json" in names

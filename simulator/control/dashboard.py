"""The dashboard page (`/__sim/ui/`) and the series endpoint its charts read.

The page is static: its files hold no data, so they are served without the admin token (a browser cannot
send one when it opens a page); every call the page makes for data goes to the control API with it.
"""

import mimetypes
from pathlib import Path
from typing import Any

from aiohttp import web

from simulator.api.respond import respond, state_of
from simulator.api.statistics import render_statistics
from simulator.errors import InvalidParameters, NotFound
from simulator.instants import InvalidDateTime, OffsetInstant, format_date_time, parse_date_time
from simulator.model import CallCenterKey
from simulator.resources import schemas_dir
from simulator.schemas import SCHEMA_SUFFIX
from simulator.series import Bucket, Series, SeriesError, compute_series, parse_bucket
from simulator.statistics import CallCenterStatistics

UI_PREFIX = "/__sim/ui/"
UI_DIR = Path(__file__).resolve().parent.parent / "ui"
_SERIES_QUERY = ("start", "end", "bucket")
_CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".md": "text/markdown",
    ".json": "application/json",
}


def add_dashboard_routes(control: web.Application) -> None:
    """The page's routes, in the control application mounted at /__sim (the series is a row of the table)."""
    control.router.add_get("/ui", to_dashboard, allow_head=False)
    control.router.add_get("/ui/{file:.*}", dashboard_file, allow_head=False)


def is_dashboard_file(path: str) -> bool:
    """Whether a request path is one of the page's static files (served without the admin token)."""
    return path.startswith(UI_PREFIX) or path == UI_PREFIX.rstrip("/")


# The page


def _page_files() -> dict[str, Path]:
    """The files the page is made of, by their path under /__sim/ui/, and the schemas its forms are built from.

    A fixed list, found once: nothing outside these folders can be named.
    """
    files = {path.relative_to(UI_DIR).as_posix(): path for path in UI_DIR.rglob("*") if path.is_file()}
    files.update({f"schemas/{path.name}": path for path in schemas_dir().glob("*" + SCHEMA_SUFFIX)})
    return files


_FILES = _page_files()


async def to_dashboard(request: web.Request) -> web.Response:
    # Returned, not raised: the error middleware turns raised HTTP exceptions into APIO error bodies.
    return web.Response(status=302, headers={"Location": UI_PREFIX})


async def dashboard_file(request: web.Request) -> web.Response:
    name = request.match_info["file"] or "index.html"
    path = _FILES.get(name)
    if path is None:
        raise NotFound(f"No such endpoint: {request.path}")
    suffix = path.suffix
    content_type = _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    textual = content_type.startswith("text/") or content_type == "application/json"
    return web.Response(
        body=path.read_bytes(),
        content_type=content_type,
        charset="utf-8" if textual else None,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


# The series


async def series(request: web.Request) -> web.Response:
    namespace = state_of(request)
    key = CallCenterKey(
        request.match_info["tenant_id"], request.match_info["group_id"], request.match_info["call_center_id"]
    )
    call_center = namespace.call_center(key)
    query = _single_values(request)
    now = namespace.clock.now()
    if "start" not in query:
        raise InvalidParameters("start: required.")
    start = _date_time(query, "start")
    end = _date_time(query, "end") if "end" in query else start.at(now)
    if start.instant > now or end.instant > now:
        raise InvalidParameters("start or end is after the simulator clock's now.")
    bucket_text = query.get("bucket", "PT1H")
    try:
        bucket = parse_bucket(bucket_text)
        computed = compute_series(call_center, start.instant, end.instant, bucket, now)
    except SeriesError as error:
        raise InvalidParameters(str(error)) from None
    return respond(request, "series", render_series(start, end, bucket_text, computed))


def _single_values(request: web.Request) -> dict[str, str]:
    found = {}
    for name in request.query:
        if name not in _SERIES_QUERY:
            raise InvalidParameters(f"{name}: not a query parameter of the series (start, end, bucket).")
        values = request.query.getall(name)
        if len(values) > 1:
            raise InvalidParameters(f"{name}: given more than once.")
        found[name] = values[0]
    return found


def _date_time(query: dict[str, str], name: str) -> OffsetInstant:
    try:
        return parse_date_time(query[name])
    except InvalidDateTime:
        raise InvalidParameters(
            f"{name} is not a real date-time with an offset, such as 2021-03-01T00:00:00+01:00."
        ) from None


def render_series(start: OffsetInstant, end: OffsetInstant, bucket: str, computed: Series) -> dict[str, Any]:
    totals = render_statistics(start, end, computed.totals)
    buckets = []
    for item in computed.buckets:
        queue = render_statistics(start.at(item.start), start.at(item.end), _queue_only(item))["queueStatistics"]
        buckets.append(
            {
                "start": format_date_time(start.at(item.start)),
                "end": format_date_time(start.at(item.end)),
                **queue,
                "totalTalkSeconds": item.talk_seconds,
                "totalStaffedSeconds": item.staffed_seconds,
            }
        )
    waits = computed.waits
    return {
        "statisticsRange": totals["statisticsRange"],
        "bucket": bucket,
        "buckets": buckets,
        "totals": totals,
        "waits": {
            "edgesSeconds": list(waits.edges),
            "answered": list(waits.answered),
            "abandoned": list(waits.abandoned),
        },
    }


def _queue_only(item: Bucket) -> CallCenterStatistics:
    """A bucket as the statistics renderer takes it: its queue statistics, no agents."""
    return CallCenterStatistics(queue=item.queue, agents=())

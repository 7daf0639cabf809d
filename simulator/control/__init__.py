"""The simulator's own control API under /__sim/: faults, journal, clock, scenario, reset, namespaces, health.

Kept apart from the emulated APIO endpoints: its own prefix, its own schemas, never journaled or faulted.
"""

from aiohttp import web

from simulator.control import handlers
from simulator.control.dashboard import add_dashboard_routes

PREFIX = "/__sim"


def add_control_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(PREFIX + "/health", handlers.health, allow_head=False)
    faults = router.add_resource(PREFIX + "/faults")
    faults.add_route("GET", handlers.list_faults)
    faults.add_route("POST", handlers.add_fault)
    faults.add_route("DELETE", handlers.clear_faults)
    router.add_delete(PREFIX + "/faults/{rule_id}", handlers.delete_fault)
    requests = router.add_resource(PREFIX + "/requests")
    requests.add_route("GET", handlers.find_requests)
    requests.add_route("DELETE", handlers.clear_requests)
    clock = router.add_resource(PREFIX + "/clock")
    clock.add_route("GET", handlers.get_clock)
    clock.add_route("PUT", handlers.put_clock)
    scenario = router.add_resource(PREFIX + "/scenario")
    scenario.add_route("GET", handlers.export_scenario)
    scenario.add_route("PUT", handlers.load_scenario)
    router.add_post(PREFIX + "/reset", handlers.reset)
    router.add_get(PREFIX + "/namespaces", handlers.list_namespaces, allow_head=False)
    router.add_delete(PREFIX + "/namespaces/{name}", handlers.delete_namespace)
    router.add_get("/openapi.json", handlers.openapi, allow_head=False)
    add_dashboard_routes(router)

"""Every route, every kind of caller: nothing leaks, wrong owner 404, no sign-in 401,
wrong role 403, and every answer that touches PHI or refuses someone leaves an audit row.

The routes come from the app's URL map, so a route added later is walked without
anyone remembering to add it; the expectations come from the route's declared policy
(tests/support/walker.py holds the small tables). Each call runs inside a savepoint
that is rolled back, so every caller meets the same world.
"""

import sqlalchemy as sa
from flask import Flask
from flask.views import MethodView

from api.auth.policy import install_policy, policy
from api.models import AuditEvent
from tests.support.walker import (
    A1_INSIDERS,
    ALLOWED,
    NOT_AUDITED,
    PARAMS,
    SPECIAL,
    Route,
    all_routes,
    request_parts,
)

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def expected_status(route: Route, caller: str, owners: frozenset) -> int | None:
    """The status this caller must get, or None for "a 2xx"."""
    if caller not in ALLOWED[route.policy]:
        return 401 if caller == "anonymous" else 403
    if caller not in owners:
        return 404
    special = SPECIAL.get((route.method, route.openapi_path))
    return special.status.get(caller) if special else None


def test_every_route_declares_a_policy(app):
    routes = all_routes(app)
    assert len(routes) > 20  # the walk below is only as good as this list
    undeclared = [f"{r.method} {r.rule} ({r.endpoint})" for r in routes if r.policy is None]
    assert undeclared == [], "routes without @policy(...): " + ", ".join(undeclared)


def test_the_walker_sees_a_route_without_a_policy_and_the_app_refuses_it():
    toy = Flask("toy", static_folder=None)

    class Declared(MethodView):
        @policy("public")
        def get(self):
            return "ok"

    class Forgotten(MethodView):
        def get(self):
            return "should never run"

    toy.add_url_rule("/declared", view_func=Declared.as_view("declared"))
    toy.add_url_rule("/forgotten", view_func=Forgotten.as_view("forgotten"))
    install_policy(toy)
    undeclared = [r.rule for r in all_routes(toy) if r.policy is None]
    assert undeclared == ["/forgotten"]
    client = toy.test_client()
    assert client.get("/declared").status_code == 200
    assert client.get("/forgotten").status_code == 403


def test_every_path_parameter_has_an_owner_rule(app):
    unknown = {(name, r.rule) for r in all_routes(app) for name in r.params if name not in PARAMS}
    assert not unknown, f"add these to PARAMS in tests/support/walker.py: {sorted(unknown)}"


def test_walk_every_route_as_every_caller(app, world, as_caller, db_session):
    spec = as_caller(world.callers["anonymous"]).get("/api/openapi.json").json
    connection = db_session.connection()

    def call(name, method, url, body=None, query=None):
        caller = world.callers[name]
        headers = {"X-CSRF-Token": caller.csrf} if caller.csrf and method in WRITE_METHODS else {}
        return as_caller(caller).open(
            url, method=method, json=body, query_string=query, headers=headers
        )

    problems = []
    walked = 0
    for route in all_routes(app):
        values, owners = {}, frozenset(world.callers)
        for name in route.params:
            values[name], owned_by = PARAMS[name](world)
            owners &= owned_by
        url = route.url(values)
        for caller in world.callers:
            savepoint = connection.begin_nested()
            try:
                body, query = request_parts(route, spec, world, call)
                with call(caller, route.method, url, body, query) as response:
                    problems += check(route, caller, owners, response, world, db_session)
            finally:
                savepoint.rollback()
                db_session.expire_all()
            walked += 1
    assert walked >= 7 * 40
    assert not problems, "\n".join(problems)


def check(route: Route, caller: str, owners: frozenset, response, world, db_session) -> list[str]:
    """What is wrong with this answer to this caller; empty when all is well."""
    where = f"{route.method} {route.rule} as {caller}: {response.status_code}"
    problems = []
    expected = expected_status(route, caller, owners)
    status = response.status_code
    if status >= 500:
        problems.append(f"{where} is a server error")
    elif expected is None and not 200 <= status < 300:
        problems.append(f"{where}, expected 2xx: {_text(response)[:200]}")
    elif expected is not None and status != expected:
        problems.append(f"{where}, expected {expected}: {_text(response)[:200]}")

    if caller not in A1_INSIDERS:
        text = _text(response)
        leaked = [secret for secret in world.secrets_a1 if secret in text]
        if leaked:
            problems.append(f"{where} leaks {leaked}")

    if caller != "anonymous":
        audited = db_session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.request_id == response.headers.get("X-Request-Id")
            )
        ).all()
        refused = status in (403, 404) and route.policy != "public"
        phi_route = route.policy in ("patient", "staff", "admin")
        must_audit = refused or (
            phi_route
            and 200 <= status < 300
            and (route.method, route.openapi_path) not in NOT_AUDITED
        )
        if must_audit and not audited:
            problems.append(f"{where} left no audit row")
        if refused and audited and not any(e.outcome == "denied" for e in audited):
            problems.append(f"{where} audited the refusal without outcome=denied")
    return problems


def _text(response) -> str:
    return response.get_data(as_text=True)

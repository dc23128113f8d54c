"""The OpenAPI document fuzzed with schemathesis, in process on the WSGI app.

Every operation gets generated valid and invalid requests as an anonymous caller, as a
patient and as a clinician: no answer is a 5xx, every answer conforms to the document
(status, content type, body schema, headers), and anonymous callers are refused (401)
everywhere but the public operations. Bounded: a few examples per operation and mode,
derandomised so that a run is repeatable.
"""

import contextvars
from urllib.parse import unquote, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.exceptions import NotFound

from tests.support.session import COOKIE
from tests.support.walker import all_routes

EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
#: Operations that end the caller's own session: fuzzed anonymously only, or every later
#: example would run signed out.
SESSION_ENDING = {
    ("POST", "/api/v1/auth/logout"),
    ("DELETE", "/api/v1/account/sessions/{auth_session_id}"),
}


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz(operation, mode, caller, path_parameters, extra_check=None, answered=None):
    """Run one operation's examples; the failures, as text. Statuses go to ``answered``."""
    failures = []

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case):
        headers = {"X-CSRF-Token": caller.csrf} if caller else {}
        cookies = {COOKIE: caller.cookie} if caller else None
        # A context of its own, as in production: the test's app context (and its ``g``,
        # where Flask-Login caches the user) must not leak into the request.
        response = contextvars.Context().run(case.call, headers=headers, cookies=cookies)
        if answered is not None:
            answered.add((operation.path, response.status_code))
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
            if extra_check is not None:
                extra_check(response)
        except AssertionError as failure:
            where = f"{operation.method.upper()} {operation.path} [{mode.value}]"
            failures.append(f"{where}: {failure}")
            raise

    try:
        run()
    except AssertionError:
        pass  # collected above: report every operation's first failure, not only the first
    except Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): the positive run covers it.
        assert mode == GenerationMode.NEGATIVE
    return failures[:1]


@pytest.fixture
def schema(app, world):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture
def policies(app):
    return {(r.method, r.openapi_path): r.policy for r in all_routes(app)}


def _routed(urls, path: str, method: str) -> bool:
    """True if the path names a route (an invalid path parameter, e.g. no UUID, names none)."""
    try:
        urls.match(path, method)
    except NotFound:
        return False
    return True


def test_fuzz_as_anonymous(app, schema, policies):
    urls = app.url_map.bind("localhost")
    failures = []
    for operation in _operations(schema):
        declared = policies[(operation.method.upper(), operation.path)]

        def refused(response, declared=declared, op=operation):
            if declared == "public":
                return
            path = urlsplit(response.request.url).path
            if response.status_code == 404:
                assert not _routed(urls, unquote(path), op.method.upper()), f"{path}: 404"
            else:
                assert response.status_code == 401, f"{path}: {response.status_code}"

        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(operation, mode, None, None, refused)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("caller", ["patient_a1", "clinician_a"])
def test_fuzz_signed_in(schema, world, caller):
    signed_in = world.callers[caller]
    real_ids = {
        "patient_id": str(world.a1.id),
        "alert_id": world.alert_a1,
        "session_id": world.treatment_session_a1,
        "staff_id": world.clinician_a.id,
        "trial_id": world.intake_trial_a1,
    }
    failures, answered = [], set()
    for operation in _operations(schema):
        if (operation.method.upper(), operation.path) in SESSION_ENDING:
            continue
        names = {p.name for p in operation.path_parameters}
        ids = {name: value for name, value in real_ids.items() if name in names}
        failures += _fuzz(operation, GenerationMode.POSITIVE, signed_in, ids, answered=answered)
        failures += _fuzz(operation, GenerationMode.NEGATIVE, signed_in, None)
    assert not failures, "\n\n".join(failures)
    # The session really was used: the caller's own operations answered.
    served = {path for path, status in answered if 200 <= status < 300 and "/auth/" not in path}
    assert len(served) >= 4, sorted(answered)

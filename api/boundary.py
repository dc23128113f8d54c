"""The request boundary: everything that happens around every request, in one place.

In the order it runs:

1. before the view: the request's id (ours, never the client's: audit rows and logs carry
   it) and the clock of the access log;
2. the view, whose operations only flush; a domain error it raises is answered by
   ``api.http_errors`` with the one JSON error body;
3. after the view, in one hook that runs after every other ``after_request`` hook (it is
   registered first, and Flask runs them in reverse): a 2xx/3xx commits the request's one
   transaction with its audit rows, anything else rolls back and still writes its audit rows
   alone; a commit that fails turns the answer into a 500 (its audit rows written alone);
   the after-commit side effects (publishing tasks) run only after a successful commit;
   then the security headers, the request id header and the access log line, with the
   status actually sent.
"""

import logging
import time
import uuid

from flask import Flask, g, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from .audit import write_pending_events
from .errors import DomainError
from .extensions import db
from .http_errors import domain_error_response, error_body
from .security import apply_headers

log = logging.getLogger("waypoint.web")
access_log = logging.getLogger("waypoint.access")


def after_commit(callback) -> None:
    """Run ``callback()`` once this request's transaction has committed."""
    g.setdefault("after_commit", []).append(callback)


def install_request_boundary(app: Flask) -> None:
    """Install the boundary's hooks; call before any other ``after_request`` hook is added."""

    @app.before_request
    def _begin():
        g.request_id = uuid.uuid4().hex
        g.started_at = time.perf_counter()

    app.register_error_handler(DomainError, domain_error_response)

    @app.after_request
    def _finish(response):
        # Who called, read before a commit expires the signed-in rows: reading them after it
        # would load them again in a new transaction, rolled back at the teardown, and a
        # rollback drops the connection's prepared statements (psycopg), which every
        # request's statements would otherwise reuse. A failed request rolls back first (its
        # session may be unusable until then) and is read after.
        actor = _actor() if response.status_code < 400 else None
        response = _finish_transaction(response)
        actor = actor or _actor()
        apply_headers(app, response)
        response.headers["X-Request-Id"] = g.get("request_id", "")
        _log_request(response, actor)
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()


def _finish_transaction(response):
    """Commit a successful request once (or roll back), then run its after-commit effects."""
    if response.status_code >= 400:
        db.session.rollback()
        _write_audit_alone()
        return response
    try:
        write_pending_events()
        db.session.commit()
    except SQLAlchemyError:
        # The request fails, but what it was refused or attempted stays audited.
        log.exception("commit failed")
        db.session.rollback()
        _write_audit_alone()
        g.pop("after_commit", None)
        failed = jsonify(error_body(500, "The change could not be saved. Try again."))
        failed.status_code = 500
        return failed
    for callback in g.pop("after_commit", []):
        try:
            callback()
        except Exception:  # a failed side effect is recovered by the reconciler
            log.exception("after-commit callback failed")
    return response


def _write_audit_alone() -> None:
    try:
        write_pending_events()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not write audit events of a failed request")


def _actor() -> tuple[str, str | None]:
    """(kind, id) of the caller, for the access log."""
    from .auth.principal import current_principal

    principal = current_principal()
    return (principal.kind, principal.actor_id) if principal else ("anonymous", None)


def _log_request(response, actor: tuple[str, str | None]) -> None:
    """One access log line per request, by route template (never the path: it may hold ids)."""
    started = g.get("started_at")
    access_log.info(
        "request",
        extra={
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "actor_kind": actor[0],
            "actor_id": actor[1],
            # A client's own id, only if it is a UUID: never in audit rows (ours is there).
            "client_request_id": _uuid_or_none(request.headers.get("X-Request-Id", "")),
        },
    )


def _uuid_or_none(value: str) -> str | None:
    """``value`` as a canonical UUID string, or None: nothing else reaches the log."""
    try:
        return str(uuid.UUID(value[:64]))
    except ValueError:
        return None

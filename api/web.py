"""The request boundary: one commit per request, side effects after it, headers, errors."""

import logging

from flask import Flask, g, request
from sqlalchemy.exc import SQLAlchemyError

from .audit import write_pending_events
from .extensions import db

log = logging.getLogger("waypoint.web")


def after_commit(callback) -> None:
    """Run ``callback()`` once this request's transaction has committed."""
    g.setdefault("after_commit", []).append(callback)


def install_request_boundary(app: Flask) -> None:
    """Commit once per successful request, roll back otherwise; keep audit events either way."""

    @app.after_request
    def _finish_transaction(response):
        if response.status_code < 400:
            try:
                write_pending_events()
                db.session.commit()
            except SQLAlchemyError:
                # The request fails (500), but what it was refused or attempted stays audited.
                db.session.rollback()
                _write_audit_alone()
                raise
            for callback in g.pop("after_commit", []):
                try:
                    callback()
                except Exception:  # a failed side effect is recovered by the reconciler
                    log.exception("after-commit callback failed")
        else:
            db.session.rollback()
            _write_audit_alone()
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()


def _write_audit_alone() -> None:
    try:
        write_pending_events()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not write audit events of a failed request")


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def install_headers(app: Flask) -> None:
    """Security headers on every response; no-store on every API response."""

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if request.path.startswith("/api/") or request.path.startswith("/join/"):
            response.headers["Cache-Control"] = "no-store"
        return response

"""The application factory."""

import gc
import uuid

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .extensions import api, db, limiter, login_manager, migrate
from .logging import configure_logging


def create_app(config_override: dict | None = None) -> Flask:
    """Create a configured Waypoint app; ``config_override`` wins over the environment."""
    app = Flask(__name__, instance_path=str(config.INSTANCE), static_folder=None)
    app.config.from_mapping(config.from_env())
    if config_override:
        app.config.update(config_override)
    if app.config["PROXY_HOPS"]:
        # The client's address for per-IP limits and audit rows, not the proxy's.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        config.INSTANCE.mkdir(parents=True, exist_ok=True)

    # Extensions first: the blueprints below register against `api` and use `db`.
    db.init_app(app)
    # render_as_batch: SQLite (the zero-setup default) cannot ALTER most things in place.
    migrate.init_app(
        app, db, directory=str(config.ROOT / "api" / "migrations"), render_as_batch=True
    )
    api.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    # The request id comes first so that every later hook (policy, audit) can use it.
    _install_request_id(app)
    from .security import install_security

    install_security(app)
    configure_logging(app)  # after the boundary: see api.logging
    _register_blueprints(app)
    from .cli import register_commands

    register_commands(app)

    from .queue import celery_init_app

    celery_init_app(app)
    return app


def freeze_start_up_heap() -> None:
    """Move what start-up allocated out of the garbage collector's reach, in a server process.

    The app, its libraries and their caches are some 150,000 tracked objects that live as long
    as the process; each full collection walked them all, an 80-100 ms pause inside whichever
    request or task triggered it. Called once by each gunicorn worker and Celery pool process
    after the app is loaded (api/gunicorn_conf.py, worker/celery_app.py), never in tests.
    """
    gc.collect()  # start-up garbage is freed, not frozen
    gc.freeze()


def _register_blueprints(app: Flask) -> None:
    from .account.routes import blp as account_blp
    from .admin.routes import blp as admin_blp
    from .alerts.routes import blp as alerts_blp
    from .auth.routes import blp as auth_blp
    from .checkins.routes import blp as checkins_blp
    from .clinic.routes import blp as clinic_blp
    from .health.routes import blp as health_blp
    from .instruments.routes import blp as instruments_blp
    from .me.routes import blp as me_blp
    from .pages import bp as pages_bp
    from .patients.routes import blp as patients_blp
    from .reports.routes import blp as reports_blp

    for blueprint in (
        health_blp,
        auth_blp,
        instruments_blp,
        me_blp,
        checkins_blp,
        patients_blp,
        alerts_blp,
        clinic_blp,
        reports_blp,
        account_blp,
        admin_blp,
    ):
        api.register_blueprint(blueprint)
    app.register_blueprint(pages_bp)


def _install_request_id(app: Flask) -> None:
    """Give every request an id of ours that logs and audit rows share (and echo it back).

    Never the client's: an audit row must not carry a value the caller chose (it could
    point at another request's rows). A client's own id, if it is a UUID, is kept for the
    access log alone as ``client_request_id``, to match a support report to our line.
    """

    @app.before_request
    def _assign_request_id():
        g.request_id = uuid.uuid4().hex
        g.client_request_id = _uuid_or_none(request.headers.get("X-Request-Id", ""))

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response


def _uuid_or_none(value: str) -> str | None:
    """``value`` as a canonical UUID string, or None: nothing else reaches the log."""
    try:
        return str(uuid.UUID(value[:64]))
    except ValueError:
        return None

"""The application factory."""

import gc
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import config, i18n
from .database_roles import check_database_role
from .extensions import api, db, limiter, login_manager, migrate
from .instance import secure_instance, uses_instance
from .logging import configure_logging

#: Package data (pyproject.toml), so the wheel carries them too.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseInteger(IntegerConverter):
    """``<int:...>`` in every route: at most PostgreSQL's ``integer`` (2**31 - 1), the type of
    every integer id. A larger number matches no route, a 404, instead of reaching the
    database as a value it cannot compare (a 500). The OpenAPI document says the maximum."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config_override: dict | None = None) -> Flask:
    """Create a configured Waypoint app; ``config_override`` wins over the environment."""
    app = Flask(__name__, instance_path=str(config.INSTANCE), static_folder=None)
    app.url_map.converters["int"] = DatabaseInteger  # before any route is added
    app.config.from_mapping(config.from_env())
    if config_override:
        app.config.update(config_override)
    if app.config["PROXY_HOPS"]:
        # The client's address for per-IP limits and audit rows, not the proxy's.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    if uses_instance(app.config):
        secure_instance(app.config)  # before SQLite or the broker creates a file there

    # Extensions first: the blueprints below register against `api` and use `db`.
    db.init_app(app)
    # Before anything else is attached: an app on an unsafe database role never starts.
    check_database_role(app)
    # render_as_batch: SQLite (the zero-setup default) cannot ALTER most things in place.
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    api.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)

    configure_logging(app)
    # The boundary first: its before-request hook (the request id) runs before the policy's,
    # and its after-request hook runs after every other one (Flask runs them in reverse).
    from .boundary import install_request_boundary
    from .security import install_security

    install_request_boundary(app)
    install_security(app)
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
    from .cases.routes import blp as cases_blp
    from .channels.routes import blp as channels_blp
    from .checkins.routes import blp as checkins_blp
    from .clinic.routes import blp as clinic_blp
    from .courses.routes import blp as courses_blp
    from .dosing.routes import blp as dosing_blp
    from .exports.routes import blp as exports_blp
    from .forecast.routes import blp as forecast_blp
    from .forecast.routes import report_blp as forecast_report_blp
    from .health.routes import blp as health_blp
    from .instruments.routes import blp as instruments_blp
    from .intake.routes import blp as intake_blp
    from .me.routes import blp as me_blp
    from .pages import bp as pages_bp
    from .panel.routes import blp as panel_blp
    from .patients.routes import blp as patients_blp
    from .push.routes import blp as push_blp
    from .reminders.routes import blp as reminders_blp
    from .reports.routes import blp as reports_blp
    from .schedules.routes import blp as schedules_blp
    from .sessions.rems_routes import blp as rems_blp
    from .sessions.routes import blp as sessions_blp
    from .staff.routes import blp as staff_blp
    from .trend.routes import blp as trend_blp

    for blueprint in (
        health_blp,
        auth_blp,
        instruments_blp,
        me_blp,
        schedules_blp,
        push_blp,
        reminders_blp,
        cases_blp,
        courses_blp,
        dosing_blp,
        forecast_blp,
        checkins_blp,
        panel_blp,
        patients_blp,
        sessions_blp,
        intake_blp,
        rems_blp,
        trend_blp,
        exports_blp,
        alerts_blp,
        clinic_blp,
        channels_blp,
        reports_blp,
        forecast_report_blp,
        account_blp,
        admin_blp,
        staff_blp,
    ):
        api.register_blueprint(blueprint)
    app.register_blueprint(pages_bp)

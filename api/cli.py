"""The ``waypoint`` command: Flask's CLI for the app plus Waypoint's own commands."""

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from .extensions import db


def register_commands(app: Flask) -> None:
    """Attach Waypoint's commands to ``app.cli``."""
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(grant_runtime)
    app.cli.add_command(refresh_panel_ranks)
    from .forecast.cli import forecast_report

    app.cli.add_command(forecast_report)


@click.command("create-admin")
@click.option("--clinic", "clinic_name", required=True, help="Clinic name (created if new).")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 12 characters.")
@click.option("--name", default=None, help="Display name (defaults to the email).")
@with_appcontext
def create_admin(clinic_name: str, email: str, password: str, name: str | None) -> None:
    """Create a clinic admin (and the clinic if it does not exist yet)."""
    from .auth.passwords import hash_password, password_problem
    from .models import Clinic, StaffUser

    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        _fail("That is not an email address.")
    problem = password_problem(password)
    if problem:
        _fail(f"Password refused: {problem}")
    if db.session.scalar(db.select(StaffUser.id).where(StaffUser.email == email)):
        _fail(f"A staff account with the email {email} already exists.")
    clinic = db.session.scalar(db.select(Clinic).where(Clinic.name == clinic_name))
    if clinic is None:
        clinic = Clinic(name=clinic_name)
        db.session.add(clinic)
        db.session.flush()
    db.session.add(
        StaffUser(
            clinic_id=clinic.id,
            email=email,
            name=name or email,
            role="admin",
            password_hash=hash_password(password),
        )
    )
    db.session.commit()
    click.echo(f"Admin {email} created for clinic {clinic_name!r}.")


@click.command("seed-demo")
@click.option("--quiet", is_flag=True, help="Print only the login and the invite URL.")
@with_appcontext
def seed_demo(quiet: bool) -> None:
    """Create the demo clinic with realistic histories (once), print its login and an invite."""
    from .demo import seed

    login = seed()
    db.session.commit()
    if not quiet and login.created:
        click.echo("Demo clinic created.")
    click.echo(f"Clinician login: {login.email} / {login.password}")
    click.echo(f"Patient invite:  {login.invite_url}")


@click.command("grant-runtime")
@click.option(
    "--role", default=None, help="The runtime role (defaults to the user of DATABASE_URL)."
)
@with_appcontext
def grant_runtime(role: str | None) -> None:
    """Give the app's runtime role its privileges, as the owner (MIGRATIONS_DATABASE_URL)."""
    from flask import current_app
    from sqlalchemy.engine import make_url

    from . import database_roles

    app_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not database_roles.is_postgresql(app_url):
        _fail("Database roles exist only on PostgreSQL; SQLite needs no grants.")
    role = role or make_url(app_url).username
    if not role:
        _fail("Name the runtime role: --role NAME (DATABASE_URL names no user).")
    engine = database_roles.migrations_engine(current_app)
    try:
        with engine.begin() as connection:
            owner = database_roles.grant_runtime(connection, role)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(
        f"{role} may now read and write the data tables and only read and append "
        f"{database_roles.AUDIT_TABLE}; tables {owner} creates later come with the same rights."
    )


@click.command("refresh-panel-ranks")
@with_appcontext
def refresh_panel_ranks() -> None:
    """Store the panel's ranking inputs of the patients changed since the last refresh.

    The worker does this every PANEL_RANK_SECONDS; run it after a bulk import to make the
    panel fast at once (it is correct either way: api/panel/ranks.py)."""
    from .models import PanelRankDirty
    from .panel.ranks import refresh_ranks

    done = 0
    for _ in range(100):  # a bulk import's backlog, but not forever under a stream of changes
        refreshed = refresh_ranks()
        done += refreshed
        if not refreshed:
            break
    left = db.session.scalar(db.select(db.func.count()).select_from(PanelRankDirty))
    click.echo(f"{done} patient row(s) stored; {left} change(s) still listed")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def main() -> None:
    """Entry point of the ``waypoint`` console script."""
    from .app import create_app
    from .database_roles import UnsafeDatabaseRole

    try:
        FlaskGroup(create_app=create_app, help="Waypoint: measurement-based care.")()
    except UnsafeDatabaseRole as exc:  # the message says how to fix it; a traceback would not
        _fail(str(exc))

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


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def main() -> None:
    """Entry point of the ``waypoint`` console script."""
    from .app import create_app

    FlaskGroup(create_app=create_app, help="Waypoint: measurement-based care.")()

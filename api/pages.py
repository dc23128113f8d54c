"""The web front end (``pwa/``): static files served by Flask, no server templates."""

from flask import Blueprint, current_app, send_from_directory

from .auth.policy import policy
from .config import ROOT

bp = Blueprint("pages", __name__)

#: Beside the api package in the repository and in an installed wheel (pyproject's package data).
PWA_DIR = ROOT / "pwa"


def _send(filename: str, max_age: int = 0):
    response = send_from_directory(PWA_DIR, filename, max_age=max_age)
    # The service worker decides what is cached offline; HTTP caches must revalidate.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
@policy("public")
def patient_app():
    """The patient app's shell."""
    return _send("index.html")


@bp.get("/join/<string:token>")
@bp.get("/join/<any(en, es):language>/<string:token>")
@policy("public")
def join(token, language=None):
    """The invite landing page; only its button's POST redeems the token."""
    return _send("join.html")


@bp.get("/stop/<string:token>")
@policy("public")
def stop_reminders(token):
    """The opt-out page of a reminder's link; only its button's POST (to the API) stops them."""
    return _send("stop.html")


@bp.get("/clinic/")
@bp.get("/clinic/<path:subpath>")
@policy("public")
def clinic_app(subpath=None):
    """The clinician views' shell (the API enforces who sees what)."""
    return _send("clinic.html")


@bp.get("/sw.js")
@policy("public")
def service_worker():
    """The service worker, served from the root so that its scope is the whole app."""
    return _send("sw.js")


@bp.get("/manifest.webmanifest")
@policy("public")
def manifest():
    """The web app manifest."""
    response = _send("manifest.webmanifest")
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/pwa/<path:filename>")
@policy("public")
def asset(filename):
    """Scripts, styles, icons and vendored libraries."""
    return _send(filename, max_age=current_app.config.get("ASSET_MAX_AGE", 0))

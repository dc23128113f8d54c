"""Wires the request boundary, the access policy, CSRF and the security headers."""

from flask import Flask

from .auth.policy import install_policy
from .web import install_headers, install_request_boundary


def install_security(app: Flask) -> None:
    """Install every per-request safeguard; the order of the hooks is the order here."""
    install_policy(app)
    install_request_boundary(app)
    install_headers(app)

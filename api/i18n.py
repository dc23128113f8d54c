"""The server's words to patients in their language (Flask-Babel; issue #22).

The catalogs are ``api/translations/{language}/LC_MESSAGES/messages.po``, compiled to the
``.mo`` beside each, which is committed: a fresh clone, ``make run`` and an installed wheel
all read them without a build step, and nothing is written into the package at start-up.
``make translations`` extracts the marked strings, updates the catalogs and compiles them;
``tests/api/test_translations.py`` fails when a marked string has no translation or a
committed ``.mo`` is older than its ``.po``.

Which language: the signed-in patient's own (``Patient.language``); otherwise (the invite
page, a patient not yet chosen) the browser's ``Accept-Language`` among the ones we speak.
Staff screens stay in English. Outside a request (the worker) ``in_language`` sets it for
one patient's message.
"""

from contextlib import contextmanager
from pathlib import Path

from flask import has_request_context, request
from flask_babel import Babel, force_locale

import surveys

TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def _locale() -> str:
    """The language of the current request's words (see the module docstring)."""
    if not has_request_context():
        return surveys.DEFAULT_LANGUAGE
    from .auth.principal import current_principal  # it imports the models

    principal = current_principal()
    patient = principal.patient if principal is not None else None
    if patient is not None and patient.language:
        return patient.language
    if patient is None and principal is not None:
        return surveys.DEFAULT_LANGUAGE  # staff: the clinician views are in English
    return request.accept_languages.best_match(surveys.LANGUAGES) or surveys.DEFAULT_LANGUAGE


def init_app(app) -> None:
    """Attach Babel to ``app`` with Waypoint's catalogs and locale rule."""
    babel.init_app(
        app,
        locale_selector=_locale,
        default_locale=surveys.DEFAULT_LANGUAGE,
        default_translation_directories=str(TRANSLATIONS),
    )


@contextmanager
def in_language(language: str | None):
    """Words made inside this block are in ``language`` (English when it is None)."""
    with force_locale(language or surveys.DEFAULT_LANGUAGE):
        yield

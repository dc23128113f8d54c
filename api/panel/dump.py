"""The panel's page written as JSON directly, the same document ``PanelPageSchema`` dumps.

A page of 50 rows is some 3,000 values in nested schemas (risk, treatment, follow-up, booster,
flags); marshmallow walking them cost 6-7 ms a page, more than any of the page's queries. The
page is built of plain values already (``operations._row``), so writing it is only turning
times, dates and ids into their ISO and text forms, as the schema's fields do. The schema stays
the contract (it is the OpenAPI document's); tests/clinician/test_panel_dump.py keeps the two
the same on pages with every kind of row.
"""

import json
import uuid
from datetime import date

from flask import Response, current_app


def _plain(value):
    if isinstance(value, date):  # datetimes too: as the schema's DateTime and Date fields
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def page_json(page: dict) -> str:
    """``page`` as the JSON text the schema's dump would be sent as (keys sorted, compact)."""
    provider = current_app.json
    return json.dumps(
        page,
        default=_plain,
        sort_keys=provider.sort_keys,
        ensure_ascii=provider.ensure_ascii,
        separators=(",", ":"),
    )


def page_response(page: dict) -> Response:
    return current_app.response_class(page_json(page) + "\n", mimetype="application/json")

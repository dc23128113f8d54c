"""Bodies of the most read GETs written as JSON directly: the same document their response
schema dumps, without marshmallow walking it.

A panel page of 50 rows is some 3,000 values in nested schemas (risk, treatment, follow-up,
booster, flags), a trend chart 500 points with its courses; marshmallow walking them cost 6-7
ms a panel page, more than any of its queries. These bodies are built of plain values already
(``api.panel.operations._row``, ``api.trend.operations.patient_trend``), so writing them is only
turning times, dates and ids into their ISO and text forms, as the schemas' fields do. The
schemas stay the contract (they are the OpenAPI document's); tests/clinician/test_json_bodies.py
keeps each body the same as its schema's dump on bodies with every kind of value.
"""

import gzip
import json
import uuid
from datetime import date

from flask import Response, current_app, request


def _plain(value):
    if isinstance(value, date):  # datetimes too: as the schema's DateTime and Date fields
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def body_json(body: dict) -> str:
    """``body`` as the JSON text its schema's dump would be sent as (keys sorted, compact)."""
    provider = current_app.json
    return json.dumps(
        body,
        default=_plain,
        sort_keys=provider.sort_keys,
        ensure_ascii=provider.ensure_ascii,
        separators=(",", ":"),
    )


def json_response(body: dict) -> Response:
    return current_app.response_class(body_json(body) + "\n", mimetype="application/json")


def gzipped_if_accepted(response: Response) -> Response:
    """A 200's JSON body gzipped for a client that accepts it, compressed per request (a few
    tenths of a millisecond; never a stale copy). For public words only, such as an
    instrument definition (7 KB, 2-3 KB gzipped, which a first check-in on a phone's data
    waits for): a body that mixes a secret with what a client sent must not be compressed
    (BREACH), so this is not applied to every response. Static files: ``api.pages``."""
    response.vary.add("Accept-Encoding")
    if response.status_code == 200 and "gzip" in request.accept_encodings:
        response.set_data(gzip.compress(response.get_data(), compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response

"""Structured logs: one JSON object per line, with the request id, and never PHI.

What keeps PHI out: a line carries the message, a fixed list of context fields, and
for errors the exception's type and stack frames but not its text (database errors
quote the values that failed: names, emails). Requests are logged by their route
template (``/join/<string:token>``), never by the path or query, which may hold
tokens or ids. Messages themselves take ids and codes only, like audit details.
"""

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

from flask import Flask, g, has_request_context
from flask.logging import default_handler

#: The ``extra`` fields a line may carry; anything else passed as extra is dropped.
CONTEXT_FIELDS = (
    "method",
    "route",
    "endpoint",
    "status",
    "duration_ms",
    "actor_kind",
    "actor_id",
    "task",
    "task_id",
    "checkin_id",
    "alert_id",
    "delivery_id",
    "client_request_id",
    "overdue",
    "overdue_safety",
)


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is None and has_request_context():
            request_id = g.get("request_id")
        if request_id:
            line["request_id"] = request_id
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            line["exc_type"] = f"{exc_type.__module__}.{exc_type.__qualname__}"
            line["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(line, default=str)


class _UnhandledWithoutPath(logging.Filter):
    """Flask logs an unhandled error as "Exception on <path> [GET]"; the path may hold a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Exception on "):
            record.msg, record.args = "unhandled exception", ()
        return True


def _json_handler(logger: logging.Logger) -> None:
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)


def configure_logging(app: Flask) -> None:
    """Send Waypoint's and Flask's loggers to stderr as JSON lines (the access log line of
    each request is written by the request boundary, ``api.boundary``)."""
    logger = logging.getLogger("waypoint")
    logger.setLevel(app.config["LOG_LEVEL"])
    _json_handler(logger)
    app.logger.removeHandler(default_handler)
    if not any(isinstance(f, _UnhandledWithoutPath) for f in app.logger.filters):
        app.logger.addFilter(_UnhandledWithoutPath())
    _json_handler(app.logger)

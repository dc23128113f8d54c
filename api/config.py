"""Configuration from environment variables, each with a documented default.

The README's configuration table lists the same variables; keep the two in step.
"""

import os
from datetime import timedelta
from pathlib import Path

from .outbound import parse_allow_list
from .sealed import check_keys

#: The directory holding the api, worker, surveys and pwa packages: the repository in a
#: checkout, site-packages in an installed wheel.
ROOT = Path(__file__).resolve().parent.parent


def _default_instance() -> Path:
    """instance/ of the repository in a checkout (``make run``), else of the working directory."""
    if (ROOT / "pyproject.toml").is_file():
        return ROOT / "instance"
    # Installed: never write inside site-packages.
    return Path.cwd() / "instance"


INSTANCE = Path(os.environ.get("WAYPOINT_INSTANCE") or _default_instance())


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


#: The levels ``LOG_LEVEL`` may name (the waypoint.* loggers: requests, worker, web).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level() -> str:
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return level


def _allow_hosts() -> tuple[str, ...]:
    entries = tuple(e.strip() for e in os.environ.get("OUTBOUND_ALLOW_HOSTS", "").split(","))
    entries = tuple(e for e in entries if e)
    parse_allow_list(entries)  # a typo fails the start, not the first urgent alert
    return entries


def _secrets_key() -> str:
    value = os.environ.get("STORED_SECRETS_KEY", "").strip()
    check_keys(value)  # a malformed key fails the start, not the first page to the on-call
    return value


def broker_url(environ=os.environ) -> str:
    """The Celery broker: CELERY_BROKER_URL, else a SQLite file in instance/ (zero setup)."""
    # An empty variable (``CELERY_BROKER_URL=`` in an env file) means the default too.
    return environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{INSTANCE / 'celery-broker.sqlite'}"


def limit_storage_uri(environ=os.environ) -> str:
    """Where the brute-force limits count: RATELIMIT_STORAGE_URI, else the broker's Redis.

    Without either (the SQLite zero setup) they count in memory, which is right for one web
    process only: api/gunicorn_conf.py refuses to start several workers on ``memory://``.
    Limits' keys start ``LIMITS:``, apart from the broker's queues in the same database.
    """
    explicit = environ.get("RATELIMIT_STORAGE_URI", "").strip()
    if explicit:
        return explicit
    broker = broker_url(environ)
    return broker if broker.startswith(("redis://", "rediss://")) else "memory://"


def from_env() -> dict:
    """Build the Flask config mapping from the process environment."""
    database_url = _database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'waypoint.sqlite'}"
    )
    migrations_url = os.environ.get("MIGRATIONS_DATABASE_URL")
    cookie_secure = _bool("COOKIE_SECURE", True)
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _dev_secret(),
        #: Fernet keys sealing stored channel URLs and patients' phone numbers (api/sealed.py);
        #: empty: derived from SECRET_KEY.
        "STORED_SECRETS_KEY": _secrets_key(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        #: The owner role that runs the migrations (api/database_roles.py); None: DATABASE_URL.
        "MIGRATIONS_DATABASE_URI": _database_url(migrations_url) if migrations_url else None,
        #: Development only: let the app connect as a role that could rewrite the audit trail.
        "ALLOW_DATABASE_OWNER": _bool("ALLOW_DATABASE_OWNER", False),
        #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
        "PROXY_HOPS": _int("PROXY_HOPS", 0),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "LOG_LEVEL": _log_level(),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # Sessions: a signed cookie carrying only an opaque server-side session token.
        "SESSION_COOKIE_NAME": "__Host-waypoint" if cookie_secure else "waypoint",
        "SESSION_COOKIE_SECURE": cookie_secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "STAFF_IDLE_TIMEOUT": timedelta(minutes=_int("STAFF_IDLE_MINUTES", 30)),
        "STAFF_ABSOLUTE_TIMEOUT": timedelta(hours=_int("STAFF_ABSOLUTE_HOURS", 12)),
        "PATIENT_SESSION_LIFETIME": timedelta(days=_int("PATIENT_SESSION_DAYS", 180)),
        "INVITE_LIFETIME": timedelta(days=_int("INVITE_DAYS", 7)),
        # A staff member's invite (api/staff/): shorter, it sets the account's password.
        "STAFF_INVITE_LIFETIME": timedelta(hours=_int("STAFF_INVITE_HOURS", 72)),
        "RATELIMIT_STORAGE_URI": limit_storage_uri(),
        # Limit storage down: count in this process's memory and never fail a sign-in for it
        # (a clinician must still reach an urgent alert; each process keeps its own budget).
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Check-ins that endorse no safety item (safety answers are never limited):
        # api/checkins/limits.py says why these rates.
        "CHECKIN_LIMIT_PER_DEVICE": os.environ.get("CHECKIN_LIMIT_PER_DEVICE", "6 per minute"),
        "CHECKIN_LIMIT_PER_PATIENT": os.environ.get(
            "CHECKIN_LIMIT_PER_PATIENT", "10 per minute; 60 per day"
        ),
        "KNOWN_DEVICE_LIFETIME": timedelta(days=_int("KNOWN_DEVICE_DAYS", 365)),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "waypoint@localhost"),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "VAPID_PRIVATE_KEY": os.environ.get("VAPID_PRIVATE_KEY", ""),
        "VAPID_PUBLIC_KEY": os.environ.get("VAPID_PUBLIC_KEY", ""),
        "VAPID_SUBJECT": os.environ.get("VAPID_SUBJECT", "mailto:admin@localhost"),
        # The worker (worker/): reconciler period and notification retries.
        "RECONCILE_SECONDS": _float("RECONCILE_SECONDS", 30),
        # A stale row is re-published after RECONCILE_SECONDS, then after twice as long since
        # its last publish, up to this (api/pipeline/outbox.py).
        "RECONCILE_BACKOFF_MAX_SECONDS": _float("RECONCILE_BACKOFF_MAX_SECONDS", 60),
        # ... but not while its message still waits in its queue, up to this long after its
        # last publish (api/pipeline/outbox.py).
        "RECONCILE_QUEUED_MAX_SECONDS": _float("RECONCILE_QUEUED_MAX_SECONDS", 600),
        "SCHEDULE_SECONDS": _float("SCHEDULE_SECONDS", 300),
        # How often the worker stores the panel's ranking inputs of the patients changed since
        # (api/panel/ranks.py); until then the panel reads theirs live, so this is a cost only.
        "PANEL_RANK_SECONDS": _float("PANEL_RANK_SECONDS", 5),
        # How long a beat's leader lock lasts unrenewed (worker/beat.py): a standby beat takes
        # over within this and a third of the leader's loss.
        "BEAT_LOCK_SECONDS": _float("BEAT_LOCK_SECONDS", 15),
        "DELIVERY_MAX_ATTEMPTS": _int("DELIVERY_MAX_ATTEMPTS", 8),
        "DELIVERY_BACKOFF_SECONDS": _float("DELIVERY_BACKOFF_SECONDS", 30),
        "DELIVERY_BACKOFF_MAX_SECONDS": _float("DELIVERY_BACKOFF_MAX_SECONDS", 900),
        "NOTIFY_TIMEOUT_SECONDS": _float("NOTIFY_TIMEOUT_SECONDS", 10),
        #: Each worker stamps its queues this often; readiness calls a queue unconsumed when
        #: no stamp is younger than CONSUMER_STALE_SECONDS (api/health/consumers.py).
        "CONSUMER_HEARTBEAT_SECONDS": _float("CONSUMER_HEARTBEAT_SECONDS", 10),
        "CONSUMER_STALE_SECONDS": _float("CONSUMER_STALE_SECONDS", 30),
        #: Webhook and push hosts exempt from the internal-address guard (api/outbound.py).
        "OUTBOUND_ALLOW_HOSTS": _allow_hosts(),
        # The rest of Celery's settings are api.queue.CELERY_DEFAULTS.
        "CELERY": {"broker_url": broker_url()},
        # API documentation (flask-smorest).
        "API_TITLE": "Waypoint",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


def _database_url(url: str) -> str:
    # psycopg 3 is the only PostgreSQL driver we install; accept the common spellings.
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _dev_secret() -> str:
    """Return a per-installation secret kept in instance/, for the zero-setup default."""
    from .instance import prepare_folder, write_private  # api.instance reads INSTANCE

    path = INSTANCE / "secret_key"
    if not path.exists():
        prepare_folder()
        write_private(path, os.urandom(32).hex())
    return path.read_text().strip()

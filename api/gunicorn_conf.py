"""gunicorn settings for Waypoint: ``gunicorn -c python:api.gunicorn_conf 'api.app:create_app()'``.

Workers, bind address and the rest stay on the command line; this file holds what the app
needs of every deployment. No access log: gunicorn's prints raw paths, and an invite path
carries its token (the app logs each request by its route template, api/logging.py).
"""


def on_starting(server) -> None:
    """Refuse several workers whose brute-force limits would each count in their own memory."""
    from api.config import limit_storage_uri

    workers = server.cfg.workers
    if workers > 1 and limit_storage_uri().startswith("memory://"):
        # Each worker would keep its own budget: N workers, N times the sign-in guesses.
        raise SystemExit(
            f"Waypoint refuses to start {workers} workers with RATELIMIT_STORAGE_URI=memory://: "
            "each would count failed sign-ins on its own. Set CELERY_BROKER_URL or "
            "RATELIMIT_STORAGE_URI to a redis:// URL, or run one worker (--workers 1 --threads 4)."
        )


def post_worker_init(worker) -> None:
    """After a worker has loaded the app: freeze the start-up heap (api.app)."""
    from api.app import freeze_start_up_heap

    freeze_start_up_heap()

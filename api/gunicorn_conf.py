"""gunicorn settings for Waypoint: ``gunicorn -c python:api.gunicorn_conf 'api.app:create_app()'``.

Workers, bind address and the rest stay on the command line; this file holds what the app
needs of every deployment. No access log: gunicorn's prints raw paths, and an invite path
carries its token (the app logs each request by its route template, api/logging.py).
"""


def post_worker_init(worker) -> None:
    """After a worker has loaded the app: freeze the start-up heap (api.app)."""
    from api.app import freeze_start_up_heap

    freeze_start_up_heap()

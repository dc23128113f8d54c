"""What every server process does once the app is loaded: gunicorn's hook, Celery's signal."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a child process: freezing the heap of the test process would keep its garbage.
CHILD = """
import gc
import sys

from celery.signals import worker_process_init
from gunicorn.app.wsgiapp import WSGIApplication

import worker.celery_app

assert gc.get_freeze_count() == 0
worker_process_init.send(sender=None)
after_celery = gc.get_freeze_count()

gc.unfreeze()
# gunicorn reads its settings as `make run` and the README start it.
sys.argv = ["gunicorn", "-c", "python:api.gunicorn_conf", "api.app:create_app()"]
WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg.post_worker_init(None)
print(after_celery, gc.get_freeze_count())
"""


def test_gunicorn_workers_and_celery_pool_processes_freeze_the_start_up_heap(tmp_path):
    env = {**os.environ, "WAYPOINT_INSTANCE": str(tmp_path)}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)  # the zero-setup defaults: nothing is contacted at start-up
    run = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-2000:]
    celery, gunicorn = map(int, run.stdout.split())
    # The app, Flask, SQLAlchemy, Celery and their caches: well over 50,000 objects.
    assert celery > 50_000 and gunicorn > 50_000

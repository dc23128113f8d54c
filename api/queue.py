"""Celery wired the way Flask documents it, and the bounded publish the API uses.

The API never imports worker code: it publishes tasks by name. A publish that
fails (broker down) is logged and dropped, because the database row is the outbox
and the worker's reconciler re-enqueues whatever is still unevaluated.
"""

import logging
import os
import queue
import threading
import time

from celery import Celery, Task
from celery.signals import before_task_publish
from flask import Flask

from .pipeline.routing import QUEUES

log = logging.getLogger("waypoint.queue")


#: Longer than any countdown or ETA we use, so that nothing is redelivered while it waits
#: (celery#4984); short enough that a task lost with its worker comes back within the hour.
VISIBILITY_TIMEOUT = 3600

#: Options of kombu's Redis transport; other transports (SQLAlchemy for `make run`) take none.
REDIS_TRANSPORT_OPTIONS = {
    "visibility_timeout": VISIBILITY_TIMEOUT,
    # A worker takes from its queues in the order given (`-Q urgent,default,bulk`): a
    # notification of an urgent alert never waits behind the routine evaluations that kombu's
    # default round robin would alternate it with.
    "queue_order_strategy": "priority",
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 0,
}

CELERY_DEFAULTS = {
    "task_serializer": "json",
    "accept_content": ["json"],
    "task_default_queue": "default",
    "task_default_exchange": "default",
    "task_default_routing_key": "default",
    "task_queues": None,  # filled from QUEUES in celery_init_app
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    "task_ignore_result": True,
    "broker_connection_timeout": 2,
    "broker_connection_retry_on_startup": True,
    # A publish must fail fast rather than hang the request (celery#4296, #6911).
    "task_publish_retry": False,
    "timezone": "UTC",
    "enable_utc": True,
}


#: The header every message carries with the time it was published (epoch seconds): the
#: reconciler reads it off the oldest message waiting in a queue to tell which rows' messages
#: are still queued behind it (api/pipeline/outbox.py).
PUBLISHED_AT_HEADER = "waypoint_published_at"


def _stamp_published_at(headers=None, **_) -> None:
    # Celery sends before_task_publish for every message it publishes, ours and its own
    # retries alike, with the headers it is about to send: the one place no publish bypasses.
    if headers is not None:
        headers[PUBLISHED_AT_HEADER] = time.time()


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app bound to ``app``; tasks run inside its app context."""
    from kombu import Exchange, Queue

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    settings = dict(CELERY_DEFAULTS)
    # One direct exchange per queue: a task sent to "urgent" lands in "urgent" only.
    settings["task_queues"] = [Queue(name, Exchange(name), routing_key=name) for name in QUEUES]
    overrides = app.config.get("CELERY", {})
    settings.update(overrides)
    is_redis = str(settings.get("broker_url", "")).startswith(("redis://", "rediss://"))
    settings["broker_transport_options"] = {
        **(REDIS_TRANSPORT_OPTIONS if is_redis else {}),
        **overrides.get("broker_transport_options", {}),
    }

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(settings)
    before_task_publish.connect(_stamp_published_at, weak=False, dispatch_uid=PUBLISHED_AT_HEADER)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


#: How long a request waits for a publish before answering anyway (seconds).
PUBLISH_WAIT = 0.5
#: After a refused publish, requests skip the broker for this long (seconds): during an
#: outage each would otherwise hold its web worker for PUBLISH_WAIT, and the reconciler
#: re-enqueues whatever they did not publish.
BROKER_BACKOFF = 5.0


def broker_marked_down(app: Flask) -> bool:
    """Whether this process skips the broker for now (``BROKER_BACKOFF`` after a refusal).

    What a request commits meanwhile is recorded as not published (no ``last_published_at``),
    so the reconciler sends it at its next tick instead of taking it for queued.
    """
    state = app.extensions.get("waypoint_broker")
    return state is not None and time.monotonic() < state["down_until"]


def publish(app: Flask, messages: list[tuple], wait: float = PUBLISH_WAIT) -> None:
    """Send ``(task name, args, queue[, countdown])`` messages, waiting ``wait`` s at most.

    The sends run on the app's publisher thread: a hung broker (accepting connections,
    never answering) cannot hold the patient's response. Whatever happens to them, the
    committed rows are the outbox and the reconciler re-enqueues them.
    """
    state = app.extensions.setdefault("waypoint_broker", {"down_until": 0.0})
    if time.monotonic() < state["down_until"]:
        log.info("broker marked down; %d message(s) left for the reconciler", len(messages))
        return
    publisher = _publisher(app)
    done = publisher.submit(messages)
    if not done.wait(wait):  # hung: treat the broker as down until it has answered again
        state["down_until"] = time.monotonic() + BROKER_BACKOFF
        # A send that never returns must not take every later publish with it: the next
        # one gets a new thread; this one finishes what it holds, if it ever can, and ends.
        publisher.retire()
        with _publisher_lock:
            if app.extensions.get("waypoint_publisher") is publisher:
                del app.extensions["waypoint_publisher"]


class _Publisher:
    """A long-lived daemon thread of one app in one process: sends what requests hand it.

    Cheaper than a thread per request. Started on first use in each process, so a gunicorn
    worker forked from a parent that had published gets a thread of its own.
    """

    def __init__(self, celery_app: Celery, state: dict):
        self.pid = os.getpid()
        self.celery_app, self.state = celery_app, state
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.retired = False
        threading.Thread(target=self._run, name="publish", daemon=True).start()

    def submit(self, messages) -> threading.Event:
        done = threading.Event()
        self.jobs.put((messages, done))
        return done

    def retire(self) -> None:
        """Stop once the jobs already handed over are done (a newer thread takes the rest)."""
        self.retired = True

    def _run(self) -> None:
        while not (self.retired and self.jobs.empty()):
            try:
                messages, done = self.jobs.get(timeout=1.0 if self.retired else None)
            except queue.Empty:
                continue
            try:
                _send(self.celery_app, messages, self.state)
            finally:
                done.set()


def _send(celery_app: Celery, messages, state: dict) -> None:
    # (task name, args, queue) or (..., countdown): sends are paced per clinic (fairness).
    for task_name, args, queue_name, *countdown in messages:
        options = {"countdown": countdown[0]} if countdown and countdown[0] else {}
        try:
            celery_app.send_task(task_name, args=args, queue=queue_name, retry=False, **options)
        except Exception as exc:  # broker down or slow: the reconciler will pick it up
            state["down_until"] = time.monotonic() + BROKER_BACKOFF
            log.warning(
                "publish of %s failed (%s); left for the reconciler", task_name, type(exc).__name__
            )
            return


_publisher_lock = threading.Lock()


def _publisher(app: Flask) -> _Publisher:
    with _publisher_lock:
        current = app.extensions.get("waypoint_publisher")
        if current is None or current.pid != os.getpid():
            current = _Publisher(app.extensions["celery"], app.extensions["waypoint_broker"])
            app.extensions["waypoint_publisher"] = current
        return current

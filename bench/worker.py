"""The benchmark's Celery worker: Waypoint's worker plus the no-op floor task.

``celery -A bench.worker:celery_app worker -Q urgent,periodic,default``. The no-op task does
nothing but tell the benchmark's HTTP receiver that it ran: publish, queue, pick-up and
one HTTP call, the least any alert delivered through this stack can cost.
"""

import urllib.request

from worker.celery_app import celery_app

__all__ = ["celery_app", "noop"]


@celery_app.task(name="bench.noop", acks_late=True, soft_time_limit=10)
def noop(token: str, receiver_url: str) -> None:
    """Report ``token`` to the receiver and return."""
    request = urllib.request.Request(  # noqa: S310 (the bench's own loopback receiver)
        f"{receiver_url}/noop/{token}", data=b"", method="POST"
    )
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310
        pass

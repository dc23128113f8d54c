"""Locust users for the benchmark (run headless by bench.run, configured by environment).

BENCH_SCENARIO   floor | checkin | urgent: what each user POSTs
BENCH_SESSIONS   JSON file of signed-in patient sessions ({cookie, csrf}); each POST draws one
BENCH_COOKIE     the session cookie's name
BENCH_RATE       check-ins per second per user, as Poisson arrivals; 0: as fast as answered
BENCH_URGENT     fraction of PHQ-9s with item 9 endorsed (urgent scenario)
BENCH_UNFINISHED fraction of those sent as an unfinished check-in's safety signal instead
                 (POST /api/v1/checkins/partial with the answers up to item 9, never finished)
BENCH_LIMIT      stop after this many requests in all (0: run for the given time)
BENCH_OUT        where to write every request:
                 [start, milliseconds, ok, checkin id, urgent, unfinished]
"""

import itertools
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

SCENARIO = os.environ.get("BENCH_SCENARIO", "checkin")
RATE = float(os.environ.get("BENCH_RATE", "0"))
URGENT = float(os.environ.get("BENCH_URGENT", "0"))
UNFINISHED = float(os.environ.get("BENCH_UNFINISHED", "0"))
LIMIT = int(os.environ.get("BENCH_LIMIT", "0"))
COOKIE = os.environ.get("BENCH_COOKIE", "waypoint")
with open(os.environ["BENCH_SESSIONS"]) as handle:
    SESSIONS = json.load(handle)

PATH = "/bench/floor" if SCENARIO == "floor" else "/api/v1/checkins"
PARTIAL_PATH = "/api/v1/checkins/partial"
RECORDS: list = []
_sent = itertools.count(1)
_done = itertools.count(1)


def phq9(urgent: bool) -> dict:
    """A plausible PHQ-9; item 9 endorsed only when ``urgent``."""
    answers = {f"phq9_{n}": random.randint(0, 2) for n in range(1, 9)}
    answers["phq9_9"] = random.randint(1, 3) if urgent else 0
    if any(answers.values()):  # the difficulty item is asked only after a symptom
        answers["phq9_difficulty"] = random.randint(0, 3)
    return answers


def signal_body(checkin_id: str) -> dict:
    """The safety signal the app sends the moment item 9 is endorsed: the answers so far."""
    answers = {f"phq9_{n}": random.randint(0, 2) for n in range(1, 9)}
    answers["phq9_9"] = random.randint(1, 3)
    return {
        "id": checkin_id,
        "instrument": "phq9",
        "answers": answers,
        "answered_at": datetime.now(UTC).isoformat(),
    }


class Patient(FastHttpUser):
    def on_start(self):
        self.next_at = time.time() + (random.expovariate(RATE) if RATE > 0 else 0)
        gevent.sleep(max(0.0, self.next_at - time.time()))

    def wait_time(self) -> float:
        """Open-loop Poisson arrivals: the users together send independent check-ins.

        Each user's next POST is due an exponential gap after its previous one was due
        (not after its answer), so the rate holds while the server is slow, and users do
        not fire in step. (Locust's constant_throughput with every user spawned in the
        same second sent them in bursts of all users at once: a queue, not a rate.)
        """
        if RATE <= 0:
            return 0
        self.next_at += random.expovariate(RATE)
        return max(0.0, self.next_at - time.time())

    @task
    def post_checkin(self):
        if LIMIT and next(_sent) > LIMIT:
            raise StopUser()
        urgent = SCENARIO != "floor" and random.random() < URGENT
        unfinished = urgent and random.random() < UNFINISHED
        checkin_id = str(uuid.uuid4())
        body = {
            "id": checkin_id,
            "instrument": "phq9",
            "answers": phq9(urgent),
            "completed_at": datetime.now(UTC).isoformat(),
        }
        if unfinished:  # the patient closed the app on the crisis screen
            body = signal_body(checkin_id)
        # Each check-in comes from a patient drawn from the whole pool, as in a clinic
        # network: no single patient's history grows by hundreds during a run.
        session = random.choice(SESSIONS)
        headers = {
            "Cookie": f"{COOKIE}={session['cookie']}",
            "X-CSRF-Token": session["csrf"],
            "Content-Type": "application/json",
        }
        start = time.time()
        path = PARTIAL_PATH if unfinished else PATH
        with self.client.post(
            path, data=json.dumps(body), headers=headers, catch_response=True
        ) as response:
            ok = response.status_code == 201
            if not ok:
                response.failure(f"HTTP {response.status_code}")
        RECORDS.append([start, (time.time() - start) * 1000, ok, checkin_id, urgent, unfinished])
        if LIMIT and next(_done) >= LIMIT:
            # From a greenlet of its own: quit() stops every user, this one included.
            gevent.spawn(self.environment.runner.quit)


@events.quitting.add_listener
def _dump(environment, **kwargs):
    with open(os.environ["BENCH_OUT"], "w") as handle:
        json.dump(RECORDS, handle)

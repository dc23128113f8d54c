"""Task names and queues: which message goes where, in one place.

The API publishes tasks by name (it never imports worker code); the worker registers its
tasks under the same names. Queues, in the order a worker that takes them all drains them
(``QUEUES``, joined for ``-Q``):

- ``urgent``: notifications of urgent and imminent alerts, evaluations of check-ins that
  endorse a safety item;
- ``periodic``: beat's ticks, escalation and the reconciler's batches (small, and late is
  unsafe);
- ``default``: every other evaluation and notification;
- ``planning``: schedule batches (planning, reminders due, missed check-ins);
- ``bulk``: patient reminders.

Production gives ``periodic,planning`` workers of their own, so that a backlog of sends never
delays escalation, nor a planning tick a send (README).
"""

#: Every queue, in the order above.
QUEUES = ("urgent", "periodic", "default", "planning", "bulk")

EVALUATE_CHECKIN = "waypoint.evaluate_checkin"
SEND_DELIVERY = "waypoint.send_delivery"
SEND_REMINDER = "waypoint.send_reminder"
#: A retry (or the reconciler's re-publish) of one reminder delivery (worker/tasks/reminders.py).
SEND_REMINDER_DELIVERY = "waypoint.send_reminder_delivery"
REQUEUE_REMINDERS = "waypoint.requeue_reminders"
RECONCILE = "waypoint.reconcile"
ESCALATE_ALERTS = "waypoint.escalate_alerts"
RUN_SCHEDULES = "waypoint.run_schedules"
PLAN_SCHEDULES = "waypoint.plan_schedules"
#: Each clinic's own booster-forecast prior refitted to its pooled history (daily).
REFIT_FORECAST_PRIORS = "waypoint.refit_forecast_priors"
ESCALATE_BATCH = "waypoint.escalate_batch"
#: The panel's stored ranking inputs brought up to date (api/panel/ranks.py).
REFRESH_PANEL_RANKS = "waypoint.refresh_panel_ranks"
REQUEUE_CHECKINS = "waypoint.requeue_checkins"
REQUEUE_DELIVERIES = "waypoint.requeue_deliveries"
#: An email telling a staff member that their password or second factor changed.
SEND_ACCOUNT_NOTICE = "waypoint.send_account_notice"
#: An email carrying a patient's invite link (api/patients/invites.py).
SEND_PATIENT_INVITE = "waypoint.send_patient_invite"
SEND_PATIENT_INVITE_SMS = "waypoint.send_patient_invite_sms"
#: An email inviting a new staff member to set their password (api/staff/).
SEND_STAFF_INVITE = "waypoint.send_staff_invite"

#: Priorities that page people and escalate when nobody acknowledges.
ESCALATING = ("imminent", "urgent")


def delivery_queue(priority: str) -> str:
    """Urgent and imminent alerts' notifications jump the queue."""
    return "urgent" if priority in ESCALATING else "default"


def evaluation_queue(checkin, *, repeat: bool = False) -> str:
    """Evaluations of check-ins that endorse a safety item jump the queue.

    Not a ``repeat``: a safety answer attached to the patient's open alert (its alert and
    sends exist), or a patient's flood of them would queue ahead of other patients' sends.
    """
    return "urgent" if checkin.safety_endorsed and not repeat else "default"


def delivery_messages(
    deliveries: dict[str, list[int]], countdowns: dict[int, float] | None = None
) -> list[tuple]:
    """One send message per new delivery, from delivery ids by queue; with its countdown
    where pacing gave one (``api.pipeline.fairness``)."""
    countdowns = countdowns or {}
    return [
        (SEND_DELIVERY, [delivery_id], queue, countdowns.get(delivery_id) or None)
        for queue, ids in deliveries.items()
        for delivery_id in ids
    ]

"""Reminders: the channel a reminder goes by, the delivery it becomes, the opt-out.

One reminder per slot, across channels: a reminder is a ``ReminderDelivery`` created in the
transaction that marks the slots it covers ``reminded_at`` (their rows locked, SKIP LOCKED),
over the first channel that can reach the patient of those they chose and the clinic offers.
Its sends retry on that channel; another channel is never tried for the same slot, so the
patient is never reminded twice. Flushes only.
"""

from datetime import datetime

import phonenumbers
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from surveys.slots import held_by_quiet_hours

from ..extensions import db
from ..models import CheckinDue, Clinic, Patient, PushSubscription, ReminderDelivery
from ..models.channels import REMINDER_CHANNELS
from ..schedules.operations import REMIND_WINDOW, patient_zone
from ..sealed import Unreadable, seal, unseal

#: A patient who never chose: what reminders did before channels could be chosen.
DEFAULT_CHOICE = ("webpush", "email")
#: The itsdangerous salt of opt-out links: a token of this kind signs nothing else.
STOP_SALT = "waypoint.reminder-stop"
#: Number types that can take a text message (landlines, toll-free, premium: refused).
TEXTABLE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.VOIP,
}


class NotAPhoneNumber(ValueError):
    """The input is not a phone number that can take texts; the message says why."""


def e164(value: str) -> str:
    """``value`` as an E.164 number (+15550100199), or NotAPhoneNumber."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise NotAPhoneNumber(
            _("Not a phone number: write it with its country code, e.g. +1 202 555 0123.")
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise NotAPhoneNumber(_("Not a valid phone number for its country code."))
    if phonenumbers.number_type(number) not in TEXTABLE:
        raise NotAPhoneNumber(_("This number cannot take text messages (a landline or a service)."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_of(patient: Patient) -> str | None:
    """The patient's number, unsealed; None if none (or the key that sealed it is gone)."""
    if not patient.phone_sealed:
        return None
    try:
        return unseal(patient.phone_sealed)
    except Unreadable:
        return None


def phone_hint(phone: str | None) -> str | None:
    """What is shown of a number: its last two digits."""
    return f"•••• {phone[-2:]}" if phone else None


def email_hint(email: str | None) -> str | None:
    """What is shown of an address: its first letter and its domain."""
    if not email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def offered(clinic: Clinic) -> list[str]:
    """The channels the clinic offers, in the canonical order; SMS only with its URL set."""
    chosen = set(clinic.reminder_channels or ())
    if not clinic.reminder_sms_sealed:
        chosen.discard("sms")
    return [c for c in REMINDER_CHANNELS if c in chosen]


def chosen(patient: Patient) -> list[str]:
    """The patient's channels, in their order, among those the clinic offers."""
    offer = offered(patient.clinic)
    picks = DEFAULT_CHOICE if patient.reminder_channels is None else patient.reminder_channels
    return [c for c in picks if c in offer]


def reminder_channel(patient: Patient) -> str | None:
    """The first of the patient's channels that can reach them now, or None."""
    for channel in chosen(patient):
        if channel == "webpush" and current_app.config["VAPID_PRIVATE_KEY"]:
            has = db.session.scalar(
                db.select(PushSubscription.id).where(PushSubscription.patient_id == patient.id)
            )
            if has:
                return channel
        elif channel == "email" and patient.email or channel == "sms" and patient.phone_sealed:
            return channel
    return None


def due_slots(patient_id, now: datetime) -> list[CheckinDue]:
    """The patient's slots due now that nobody reminded them of, locked (SKIP LOCKED)."""
    return db.session.scalars(
        db.select(CheckinDue)
        .where(
            CheckinDue.patient_id == patient_id,
            CheckinDue.completed_checkin_id.is_(None),
            CheckinDue.reminded_at.is_(None),
            CheckinDue.due_at <= now,
            CheckinDue.due_at > now - REMIND_WINDOW,
        )
        .order_by(CheckinDue.due_at, CheckinDue.id)
        .with_for_update(skip_locked=True)
    ).all()


def held(patient: Patient, slots: list[CheckinDue], now: datetime) -> bool:
    """Whether quiet hours hold these slots' reminder back now (``surveys.slots``)."""
    clinic = patient.clinic
    return any(
        held_by_quiet_hours(
            now,
            slot.due_at,
            patient_zone(patient),
            clinic.quiet_hours_start,
            clinic.quiet_hours_end,
        )
        for slot in slots
    )


def plan_reminder(patient: Patient, now: datetime) -> tuple[str, ReminderDelivery | None]:
    """The reminder of the patient's due slots: ("planned", its delivery), or why none:
    "nothing_due", "quiet_hours" (left due: a later tick reminds them), "no_channel" (the
    slots are settled; the app shows what is due when the patient opens it)."""
    slots = due_slots(patient.id, now)
    if not slots:
        return "nothing_due", None
    if held(patient, slots, now):
        return "quiet_hours", None
    channel = reminder_channel(patient)
    for slot in slots:
        slot.reminded_at = now
    if channel is None:
        db.session.flush()
        return "no_channel", None
    delivery = ReminderDelivery(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        due_id=slots[0].id,
        channel=channel,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        last_published_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    return "planned", delivery


# --- opt-out --------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=STOP_SALT)


def stop_token(delivery_id: int) -> str:
    """The opt-out token of one delivery: its number, signed (HMAC) so that none can be guessed;
    nothing about the patient in it."""
    return _serializer().dumps(int(delivery_id))


def stop_url(delivery_id: int) -> str:
    """The opt-out link in a reminder (the page at it asks the API to stop)."""
    return f"{current_app.config['PUBLIC_URL']}/stop/{stop_token(delivery_id)}"


def read_stop_token(token: str) -> int | None:
    """The delivery a token names, or None if it is not one of ours."""
    try:
        value = _serializer().loads(token)
    except (BadSignature, UnicodeError, ValueError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def stop(delivery_id: int) -> tuple[str, Patient] | tuple[None, None]:
    """Turn off the channel of this delivery for its patient, at once: (the channel, the
    patient), or Nones if the link names no delivery (any more). Stopping twice is once."""
    delivery = db.session.get(ReminderDelivery, delivery_id)
    if delivery is None:
        return None, None
    patient = db.session.get(Patient, delivery.patient_id, with_for_update=True)
    current = DEFAULT_CHOICE if patient.reminder_channels is None else patient.reminder_channels
    patient.reminder_channels = [c for c in current if c != delivery.channel]
    db.session.flush()
    return delivery.channel, patient


# --- the patient's choice ---------------------------------------------------------------------


class ChoiceRefused(ValueError):
    """A choice the patient cannot make; ``field`` names what to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def set_choice(patient: Patient, changes: dict) -> None:
    """Apply the patient's validated change of channels, email or phone (all or nothing)."""
    email = changes.get("email", patient.email)
    phone = patient.phone_sealed
    if "phone" in changes:
        phone = seal(changes["phone"]) if changes["phone"] else None
    channels = changes.get("channels", chosen(patient))
    offer = offered(patient.clinic)
    for channel in channels:
        if channel not in offer:
            raise ChoiceRefused("channels", _("Your clinic no longer offers one of these ways."))
    if "email" in channels and not email:
        raise ChoiceRefused("email", _("An email address is needed for reminders by email."))
    if "sms" in channels and not phone:
        raise ChoiceRefused("phone", _("A mobile number is needed for reminders by text."))
    patient.email = email
    patient.phone_sealed = phone
    patient.reminder_channels = list(channels)
    db.session.flush()

"""The domain's tables. Import models from here."""

from .alerts import Alert, AlertEvent, Delivery
from .audit import AuditEvent
from .auth import AuthSession, Invite, PushSubscription, StaffInvite
from .checkins import Checkin, CheckinDue, CheckinPartial
from .clinics import Clinic, StaffUser
from .patients import Patient, TreatmentCourse, TreatmentSession, care_team
from .summaries import PatientSummary, RiskFlag

__all__ = [
    "Alert",
    "AlertEvent",
    "AuditEvent",
    "AuthSession",
    "Checkin",
    "CheckinDue",
    "CheckinPartial",
    "Clinic",
    "Delivery",
    "Invite",
    "Patient",
    "PatientSummary",
    "PushSubscription",
    "RiskFlag",
    "StaffInvite",
    "StaffUser",
    "TreatmentCourse",
    "TreatmentSession",
    "care_team",
]

"""The domain's tables. Import models from here."""

from .alerts import Alert, AlertEvent, Delivery
from .audit import AuditEvent
from .auth import AuthSession, Invite, PushSubscription, StaffInvite
from .cases import Case, CaseContact, FollowUp
from .channels import ClinicChannel, ReminderDelivery
from .checkins import Checkin, CheckinDue, CheckinPartial
from .clinics import Clinic, StaffUser
from .dosing import HomeDose, HomeDosingPlan
from .exports import CheckinEntries
from .forecasts import BoosterForecast, ForecastPrior
from .intake import IntakeAnswer, IntakeOverride, IntakeTrial
from .panel import PanelRank, PanelRankDirty
from .patients import (
    Patient,
    RemsRecord,
    SessionReading,
    TreatmentCourse,
    TreatmentSession,
    care_team,
)
from .summaries import PatientSummary, RiskFlag

__all__ = [
    "BoosterForecast",
    "ForecastPrior",
    "Alert",
    "AlertEvent",
    "AuditEvent",
    "AuthSession",
    "Case",
    "CaseContact",
    "Checkin",
    "CheckinDue",
    "CheckinEntries",
    "CheckinPartial",
    "Clinic",
    "ClinicChannel",
    "Delivery",
    "FollowUp",
    "HomeDose",
    "HomeDosingPlan",
    "IntakeAnswer",
    "IntakeOverride",
    "IntakeTrial",
    "Invite",
    "PanelRank",
    "PanelRankDirty",
    "Patient",
    "PatientSummary",
    "PushSubscription",
    "ReminderDelivery",
    "RemsRecord",
    "RiskFlag",
    "SessionReading",
    "StaffInvite",
    "StaffUser",
    "TreatmentCourse",
    "TreatmentSession",
    "care_team",
]

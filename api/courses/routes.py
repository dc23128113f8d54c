"""A patient's treatment courses and their plans (phases, planned sessions, signals)."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from surveys.courses import TEMPLATES

from ..audit import record
from ..auth.policy import clinic_patient_or_404, policy
from ..extensions import db
from ..models import TreatmentCourse
from ..pipeline.summary import refresh
from ..sessions.operations import plan_course, planned_courses
from ..sessions.schemas import CoursePlanInSchema, PlannedCourseOutSchema
from .operations import clinic_zone, courses_of, session_days, set_plan, standing_of
from .schemas import CourseListSchema, CourseSchema, PlanInSchema

blp = Blueprint(
    "courses",
    __name__,
    url_prefix="/api/v1/patients",
    description="Treatment courses of the clinic's patients and their plans.",
)


def _bodies(patient, courses) -> list[dict]:
    tz = clinic_zone(patient.clinic_id)
    days = session_days([c.id for c in courses], tz)
    return [
        {
            "id": c.id,
            "label": c.label,
            "started_at": c.started_at,
            "plan": c.plan,
            "standing": standing_of(c, days[c.id], tz),
        }
        for c in courses
    ]


@blp.route("/<uuid:patient_id>/courses")
class Courses(MethodView):
    @policy("staff")
    @blp.response(200, CourseListSchema)
    def get(self, patient_id):
        """The patient's courses, each with its plan of phases and where the patient stands
        in it: phase, sessions given, next session due, the dates still planned, signals."""
        patient = clinic_patient_or_404(patient_id)
        record("course.list", object_type="patient", object_id=patient.id)
        return {"items": _bodies(patient, courses_of(patient)), "templates": TEMPLATES}

    @policy("staff")
    @blp.arguments(CoursePlanInSchema)
    @blp.response(201, PlannedCourseOutSchema)
    def post(self, body, patient_id):
        """Plan a course before its first session: its pre-treatment check-ins fall due, so
        that the course's baseline is a score from before treatment."""
        patient = clinic_patient_or_404(patient_id)
        course = plan_course(patient, body)
        record(
            "course.plan",
            object_type="treatment_course",
            object_id=course.id,
            patient_id=str(patient.id),
        )
        (planned,) = [c for c in planned_courses(patient) if c["id"] == course.id]
        return planned


@blp.route("/<uuid:patient_id>/courses/<int:course_id>/plan")
class CoursePlan(MethodView):
    @policy("staff")
    @blp.arguments(PlanInSchema)
    @blp.response(200, CourseSchema)
    def put(self, body, patient_id, course_id):
        """Set the course's plan: a template (esketamine_label, iv_series), its numbers
        edited, or phases of its own."""
        patient = clinic_patient_or_404(patient_id)
        course = _course_or_404(patient, course_id)
        set_plan(course, {k: v for k, v in body.items() if v is not None})
        db.session.flush()
        refresh(patient.id)  # the stored forecast reads the plan's phase
        record("course.phases_set", object_type="treatment_course", object_id=course.id)
        return _bodies(patient, [course])[0]

    @policy("staff")
    @blp.response(200, CourseSchema)
    def delete(self, patient_id, course_id):
        """Remove the course's plan: nothing planned or signalled for it any more."""
        patient = clinic_patient_or_404(patient_id)
        course = _course_or_404(patient, course_id)
        course.plan = None
        db.session.flush()
        refresh(patient.id)
        record("course.phases_removed", object_type="treatment_course", object_id=course.id)
        return _bodies(patient, [course])[0]


#: The largest id the column holds: a bigger number in the URL names no course.
MAX_ID = 2**31 - 1


def _course_or_404(patient, course_id) -> TreatmentCourse:
    course = None
    if course_id <= MAX_ID:
        course = db.session.scalar(
            db.select(TreatmentCourse).where(
                TreatmentCourse.id == course_id, TreatmentCourse.patient_id == patient.id
            )
        )
    if course is None:
        record("course.read", object_type="treatment_course", object_id=course_id, outcome="denied")
        abort(404, message="No such course.")
    return course

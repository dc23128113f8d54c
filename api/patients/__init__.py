"""The clinic's patients: enrolment, profile, care team, schedule, invites, check-ins."""

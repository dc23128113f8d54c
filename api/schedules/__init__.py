"""When each patient's check-ins are due, in the patient's own timezone."""

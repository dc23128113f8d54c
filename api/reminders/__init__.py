"""Patient check-in reminders by Web Push, email and SMS: the patient's choice, the clinic's
offer, the opt-out link in every message, and what the clinic sees of them."""

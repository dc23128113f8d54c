"""Web Push subscriptions of patients' and clinicians' browsers."""

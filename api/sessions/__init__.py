"""Treatment sessions: recording, correcting and removing a patient's sessions and courses."""

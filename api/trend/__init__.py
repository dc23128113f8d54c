"""The trend chart: one patient's scores of one instrument with sessions and courses."""

"""The panel: the clinic's patients ordered by who needs attention."""

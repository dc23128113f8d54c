"""The staff session cookie's name, as the app sets it over HTTPS."""

COOKIE = "__Host-waypoint"

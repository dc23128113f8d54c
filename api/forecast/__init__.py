"""The booster forecast's database side: a clinic's courses as the backtest reads them, and
the ``waypoint forecast-report`` command. The method is ``surveys.forecast``."""

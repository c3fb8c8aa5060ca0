"""Report: functions of a run (and the options) that show or write it; they never change it."""

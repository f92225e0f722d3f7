"""How quickly people are called back: the report staff admins read on the dashboard and
operators print with `flask --app intake_server report`.

`figures.py` counts a window of submissions per week and per month in the clinic's time zone
(counts only, cells under 5 suppressed); `table.py` lays the figures out as columns, the same for
the page and the CSV; `plot.py` draws the share kept within the promise as an inline SVG.
"""

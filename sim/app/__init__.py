"""`sim app`: a local web app (Streamlit) where a planner chooses a council, moves the
levers and sees what changes, with intervals, in plain English, and the money.

The interfaces layer: it uses outputs, experiment and scenario; nothing imports it.

- ``page.py``: the script Streamlit runs; ``layout.py`` lays out the page
- ``sources.py``: the baseline: any council for a year, a shipped scenario or an upload
- ``levers.py``: the levers as values, and the scenario changes they make
- ``session.py``: the page's values read into levers; starting a comparison
- ``jobs.py``: runs off the page's thread (one worker, shared); a session's ``Job``
- ``cache.py``: the baselines already run, shared by every session
- ``views.py``: the tables and sentences shown; ``charts.py``: the charts
- ``downloads.py``: the results zip, report and workbook; ``scenario_file.py``: the YAML
- ``settings.py``: what the environment sets (processes, a test hook)
"""

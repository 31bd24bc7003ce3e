"""`make bench`: the pipeline against the vendor simulator, timed, counted and compared with targets.

``python -m ai_usage_analytics.bench`` runs the scenarios (``scenarios.py``), each in a fresh
subprocess (``scenario.py``) against a fresh simulator served from the parent process, and writes
``bench/results.json`` plus a printed report (``report.py``). ``minimum.py`` holds the arithmetic of
the fewest vendor requests the APIs allow; ``measure.py`` the timing and peak-memory readers.
"""

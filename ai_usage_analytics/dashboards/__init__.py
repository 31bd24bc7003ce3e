"""The four dashboards as self-contained HTML pages: pure functions from view frames to an HTML string.

``privacy`` hides small groups before anything is embedded, ``page`` turns a page spec (datasets, KPI
tiles, charts, tables) into one offline HTML file whose embedded script (``static/dashboard.js``)
recomputes everything for the chosen date range and department, and ``engineering``, ``knowledge``,
``executive`` and ``finance`` build each page's spec from the views it reads. No Dagster imports here.
"""

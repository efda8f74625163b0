"""The app's parts beside ``app.py``: the HTTP API (:mod:`ui.api`)."""

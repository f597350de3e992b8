"""Where headers come from: a local path (``local.py``) or a Hub repo (``hub.py``)."""

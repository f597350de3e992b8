"""Model-family knowledge, kept as data (``data/*.json``) and loaded through ``schema.py``."""

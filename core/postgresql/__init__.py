"""Django's PostgreSQL backend, failing fast while the server cannot be reached (see base.py)."""

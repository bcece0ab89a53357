"""Data loaded once for a test module, rolled back after it."""

from __future__ import annotations


def data_for_the_module(django_db_blocker, load, *args, **kwargs):
    """For a module-scoped fixture (``yield from``): run ``load`` once, inside a transaction
    kept open for the module and rolled back after it. Each test's own transaction (the
    ``db`` fixture) is a savepoint within it, rolled back as usual, so every test sees the
    data as loaded. Not for ``transaction=True`` or ``live_server`` tests: they flush
    tables, or read from another connection that cannot see uncommitted rows."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        load(*args, **kwargs)
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)

"""Reference data that must exist in every database, whatever created it.

An app with a ``reference_data.ensure_all(apps)`` function connects ``ensure_after_migrate``
to post_migrate in its AppConfig.ready(). It runs after every migrate and after every flush
(Django's test cases flush between transactional tests), with the registry the signal gives,
or the live one when flush gives none.
"""

from importlib import import_module


def ensure_after_migrate(sender, apps=None, **kwargs):
    from django.apps import apps as live_apps

    registry = apps or live_apps
    try:
        for model in getattr(sender, "reference_models", ()):
            registry.get_model(sender.label, model)
    except LookupError:
        return  # the app's tables are not migrated yet
    import_module(f"{sender.name}.reference_data").ensure_all(registry)

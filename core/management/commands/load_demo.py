from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Load the demonstration data of every app that has a demo module (<app>/demo.py with "
        "a load() function). Idempotent: running it again adds nothing twice."
    )

    def handle(self, *args, **options):
        loaded = []
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                module.load()
            loaded.append(config.label)
        if loaded:
            self.stdout.write(f"Demonstration data loaded for: {', '.join(loaded)}.")
        else:
            self.stdout.write("No demonstration data to load yet.")

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Load the demonstration data of every app that has a demo module (<app>/demo.py with "
        "a load() function). Idempotent: running it again adds nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "app_labels",
            nargs="*",
            metavar="app_label",
            help="Load only these apps' demonstration data (default: every app).",
        )

    def handle(self, *args, **options):
        wanted = options["app_labels"]
        known = {config.label for config in apps.get_app_configs()}
        unknown = [label for label in wanted if label not in known]
        if unknown:
            raise CommandError(f"No such app: {', '.join(unknown)}.")
        loaded = []
        for config in apps.get_app_configs():
            if wanted and config.label not in wanted:
                continue
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

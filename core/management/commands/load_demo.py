import sys
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import demo_support


class Command(BaseCommand):
    help = (
        "Load the demonstration data of every app that has a demo module (<app>/demo.py with "
        "a load() function). Only adds what is missing and never changes an existing row, so "
        "what people changed in the demonstration data stays changed. --reset puts the "
        "demonstration data back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "app_labels",
            nargs="*",
            metavar="app_label",
            help="Load only these apps' demonstration data (default: every app).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                "Restore the demonstration data: delete and recreate the sample rows (those no "
                "member's own rows depend on) and put the loader's hubs, chapters, labs and "
                "sample webinars back to their demonstration values. Members' rows are kept."
            ),
        )
        parser.add_argument(
            "--yes", action="store_true", help="With --reset: do not ask for confirmation."
        )

    def handle(self, *args, **options):
        wanted = options["app_labels"]
        known = {config.label for config in apps.get_app_configs()}
        unknown = [label for label in wanted if label not in known]
        if unknown:
            raise CommandError(f"No such app: {', '.join(unknown)}.")
        modules = []
        for config in apps.get_app_configs():
            if wanted and config.label not in wanted:
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            modules.append((config.label, module))
        if options["reset"]:
            self._confirm_reset(options)
        demo_support.notes.clear()
        try:
            if options["reset"]:
                # Dependents first: exchanges hang on solutions, solutions on hubs.
                for _label, module in reversed(modules):
                    if hasattr(module, "reset"):
                        with transaction.atomic():
                            module.reset()
            for _label, module in modules:
                with transaction.atomic():
                    module.load()
            for line in demo_support.notes:
                self.stdout.write(line)
        finally:
            demo_support.notes.clear()
        loaded = [label for label, _module in modules]
        if not loaded:
            self.stdout.write("No demonstration data to load yet.")
        elif options["reset"]:
            self.stdout.write(f"Demonstration data restored for: {', '.join(loaded)}.")
        else:
            self.stdout.write(f"Demonstration data loaded for: {', '.join(loaded)}.")

    def _confirm_reset(self, options) -> None:
        if options["yes"]:
            return
        if not sys.stdin.isatty():
            raise CommandError(
                "load_demo --reset deletes and recreates the demonstration data; there is no "
                "terminal to confirm it on. Run it again with --yes to go ahead. Nothing was "
                "changed."
            )
        answer = input(
            "This deletes and recreates the demonstration data (sample rows only; members' "
            "own rows are kept) and puts the demonstration hubs, chapters, labs and webinars "
            "back to their demonstration values. Type 'yes' to go ahead: "
        )
        if answer.strip().lower() != "yes":
            raise CommandError("Reset cancelled. Nothing was changed.")

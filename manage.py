#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that cannot do anything without the database: check it first, so that an
# unreachable server is one line naming DATABASE_URL rather than a pool time-out.
DATABASE_COMMANDS = {
    "migrate",
    "showmigrations",
    "createsuperuser",
    "changepassword",
    "flush",
    "loaddata",
    "dumpdata",
    "createcachetable",
    "portal_setup",
    "load_demo",
    "ensure_admin",
    "runserver",
    "backup",
    "restore",
}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config import services

    try:
        if len(sys.argv) > 1 and sys.argv[1] in DATABASE_COMMANDS:
            import django

            django.setup()
            services.check_database()
        execute_from_command_line(sys.argv)
    except Exception as exc:
        explained = services.explain(exc)
        if explained is None:
            raise
        raise explained from None


if __name__ == "__main__":
    main()

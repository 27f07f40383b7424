"""The ``thuvien`` command: Django's manage.py under a friendly name."""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
    args = list(argv if argv is not None else sys.argv[1:])
    if not args or args[0] not in ("serve", "runserver"):
        # A command-line run indexes its changes before it exits.
        os.environ.setdefault("THUVIEN_INDEX_MODE", "sync")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["thuvien", *args])


if __name__ == "__main__":
    main()

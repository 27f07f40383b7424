from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from thuvien.demo.loader import load


class Command(BaseCommand):
    help = "Load the Ninh Bình demo network: libraries, staff accounts and a Vietnamese collection."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=2000, help="generated records to add (default 2000)")
        parser.add_argument("--no-digital", action="store_true",
                            help="leave out the digitised documents (they take most of the time)")

    def handle(self, *args, **options):
        if options["records"] < 0:
            raise CommandError(_("--records cannot be negative."))
        result = load(generated=options["records"])
        if result["skipped"]:
            self.stdout.write(_("The demo network is already loaded."))
        else:
            self.stdout.write(_("Loaded %(libraries)d libraries and %(records)d records.") % result)
        if not options["no_digital"]:
            from thuvien.digital import (
                demo as digital_demo,  # collections, projects, digitised documents
            )

            self.stdout.write(_("%(n)d digitised documents added") % {"n": digital_demo.load(stdout=self.stdout)})
        self.stdout.write(_("Staff accounts (user / password / role / library):"))
        for username, password, role, library in result["accounts"]:
            self.stdout.write(f"  {username:16} {password:20} {role:15} {library}")
        self.stdout.write(_("Readers (card number / password / name / library):"))
        for card, password, name, library in result.get("readers", ()):
            self.stdout.write(f"  {card:16} {password:20} {name:20} {library}")

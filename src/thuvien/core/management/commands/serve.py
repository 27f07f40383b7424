import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve thuvien in production: gunicorn, with static files served by whitenoise."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("THUVIEN_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("THUVIEN_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("THUVIEN_THREADS", "4")))

    def handle(self, *args, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"thuvien: http://{options['bind']}/")
        self.stdout.flush()
        os.environ["THUVIEN_STATIC_FINDERS"] = "0"  # serve the collected files (with their .gz copies)
        os.execvp(sys.executable, [
            sys.executable, "-m", "gunicorn", "thuvien.wsgi:application",
            "--bind", options["bind"], "--workers", str(options["workers"]),
            "--threads", str(options["threads"]), "--access-logfile", "-",
        ])

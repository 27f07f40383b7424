"""``thuvien serve``: gunicorn with whitenoise, and the background worker beside it.

One command runs the whole site: the web server and ``thuvien worker`` (OCR of new
uploads, notices, scheduled harvests and open data builds), so nothing waits for a
process nobody started. ``--no-worker`` leaves the worker to a separate service.
"""

import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


def _env_flag(name, default):
    return os.environ.get(name, default).strip().lower() not in ("0", "false", "no", "off", "")


class Command(BaseCommand):
    help = "Serve thuvien in production: gunicorn, static files by whitenoise, and the background worker."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("THUVIEN_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("THUVIEN_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("THUVIEN_THREADS", "4")))
        parser.add_argument("--no-worker", action="store_false", dest="worker",
                            default=_env_flag("THUVIEN_SERVE_WORKER", "1"),
                            help="do not start `thuvien worker` beside the web server")

    def handle(self, *args, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"thuvien: http://{options['bind']}/")
        self.stdout.flush()
        web = [
            sys.executable, "-m", "gunicorn", "thuvien.wsgi:application",
            "--bind", options["bind"], "--workers", str(options["workers"]),
            "--threads", str(options["threads"]), "--access-logfile", "-",
        ]
        if not options["worker"]:
            os.execvp(sys.executable, web)
        children = [subprocess.Popen([sys.executable, "-m", "thuvien.cli", "worker"]), subprocess.Popen(web)]

        def stop(signum, _frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # The site is the web server: when it ends, the worker ends with it.
        code = children[1].wait()
        stop(signal.SIGTERM, None)
        children[0].wait()
        sys.exit(code)

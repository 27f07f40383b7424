from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Circulation jobs: API tokens, periodic notices and hold expiry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        token = sub.add_parser("token", help="create an API token for a user (printed once)")
        token.add_argument("username")
        token.add_argument("--name", default="cli")
        notices = sub.add_parser(
            "notices", help="expire uncollected holds and queue due-soon/overdue/hold-ready emails (once each); "
                            "run it periodically (e.g. hourly from cron); `thuvien worker` sends them")
        notices.add_argument("--enqueue", action="store_true",
                             help="only enqueue the job for `thuvien worker` instead of running it now")

    def handle(self, *args, action, **options):
        if action == "token":
            return self._token(options["username"], options["name"])
        if action == "notices":
            from thuvien.circulation import tasks

            if options["enqueue"]:
                tasks.circulation_notices.enqueue()
                self.stdout.write(_("Queued the notices job."))
                return
            counts = tasks.queue_notices()
            self.stdout.write(_(
                "Holds expired: %(expired)d; notices queued: %(due_soon)d due soon, %(overdue)d overdue, "
                "%(holds_ready)d holds ready."
            ) % counts)

    def _token(self, username, name):
        from thuvien.circulation.models import ApiToken

        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(name)s.") % {"name": username})
        _token, raw = ApiToken.issue(user, name=name)
        self.stdout.write(raw)

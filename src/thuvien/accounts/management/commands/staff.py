"""``thuvien staff``: staff accounts and their roles, for the operator.

    thuvien staff add USER --library CODE --role ROLE [--password P] [--name "Full name"]
    thuvien staff grant USER --role ROLE [--library CODE]
    thuvien staff revoke USER --role ROLE [--library CODE]
    thuvien staff password USER [--password P]
    thuvien staff list [--library CODE]

Roles: network_admin (no library), library_admin, cataloguer, circulation.
"""

from django.core.management.base import BaseCommand, CommandError

from thuvien.accounts import services
from thuvien.accounts.models import Role


class Command(BaseCommand):
    help = "Manage staff accounts: add, grant, revoke, password, list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        roles = ", ".join(Role.values)
        add = sub.add_parser("add", help="create a staff account with one role")
        add.add_argument("username")
        add.add_argument("--library", default="", help="library code (not for network_admin)")
        add.add_argument("--role", required=True, help=roles)
        add.add_argument("--password", help="default: a generated password, printed once")
        add.add_argument("--name", default="", help="full name")
        for verb in ("grant", "revoke"):
            p = sub.add_parser(verb, help=f"{verb} a role")
            p.add_argument("username")
            p.add_argument("--role", required=True, help=roles)
            p.add_argument("--library", default="", help="library code (not for network_admin)")
        password = sub.add_parser("password", help="set a new password")
        password.add_argument("username")
        password.add_argument("--password", help="default: a generated password, printed once")
        listing = sub.add_parser("list", help="list staff accounts and their roles")
        listing.add_argument("--library", default="", help="only the staff of this library")

    def handle(self, *args, **options):
        try:
            getattr(self, "do_" + options["action"])(options)
        except services.StaffError as error:
            raise CommandError(str(error)) from error

    def do_add(self, o):
        created = services.add_staff(None, o["username"], o["library"], o["role"], o["password"], o["name"])
        self.stdout.write(f"{created.user.username} added: {o['role']} {o['library'] or '*'}")
        if created.generated:
            self.stdout.write(f"password: {created.password}")

    def do_grant(self, o):
        role = services.grant(None, o["username"], o["role"], o["library"])
        self.stdout.write(f"{role.user.username}: {role.role} {role.library.code if role.library else '*'} granted")

    def do_revoke(self, o):
        services.revoke(None, o["username"], o["role"], o["library"])
        self.stdout.write(f"{o['username']}: {o['role']} {o['library'] or '*'} revoked")

    def do_password(self, o):
        password = o["password"] or services.new_password()
        user = services.set_password(None, o["username"], password)
        self.stdout.write(f"password of {user.username} changed")
        if not o["password"]:
            self.stdout.write(f"password: {password}")

    def do_list(self, o):
        users = services.visible_staff(None)
        code = (o["library"] or "").strip()
        if code:
            users = users.filter(staff_roles__library__code=code)
        for user in users:
            roles = ", ".join(f"{r.role}@{r.library.code if r.library else '*'}" for r in user.roles_in_scope
                              if not code or (r.library and r.library.code == code))
            state = "" if user.is_active else "\t(disabled)"
            self.stdout.write(f"{user.username}\t{user.get_full_name()}\t{roles}{state}")

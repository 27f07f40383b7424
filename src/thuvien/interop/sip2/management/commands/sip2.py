"""``thuvien sip2 [--host H] [--port P]`` serves SIP2; ``thuvien sip2 account ...`` manages kiosks.

    thuvien sip2 --port 6001 [--host 127.0.0.1]
    thuvien sip2 account add LOGIN --library CODE --password PASSWORD [--encoding cp850]
    thuvien sip2 account list
    thuvien sip2 account disable LOGIN | enable LOGIN
    thuvien sip2 account password LOGIN --password NEW
"""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from thuvien.interop.sip2 import accounts


class Command(BaseCommand):
    help = "Serve SIP2 for self-check and RFID kiosks, or manage kiosk accounts."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=6001, help="TCP port (default 6001)")
        parser.add_argument("--max-connections", type=int, default=200)
        parser.add_argument("--idle-timeout", type=int, default=1800,
                            help="close a connection silent for this many seconds (default 1800)")
        sub = parser.add_subparsers(dest="action")
        account = sub.add_parser("account", help="manage kiosk accounts")
        verbs = account.add_subparsers(dest="verb", required=True)
        add = verbs.add_parser("add", help="create a kiosk account")
        add.add_argument("login")
        add.add_argument("--library", required=True, help="code of the kiosk's library")
        add.add_argument("--password", required=True)
        add.add_argument("--encoding", default="utf-8", help="character encoding (default utf-8)")
        add.add_argument("--location", default="", help="where the kiosk stands")
        add.add_argument("--require-patron-password", action="store_true",
                         help="readers must type their password at this kiosk")
        verbs.add_parser("list", help="list kiosk accounts")
        for verb in ("disable", "enable"):
            verbs.add_parser(verb, help=f"{verb} a kiosk account").add_argument("login")
        password = verbs.add_parser("password", help="change a kiosk's password")
        password.add_argument("login")
        password.add_argument("--password", required=True)
        encoding = verbs.add_parser("encoding", help="change a kiosk's character encoding")
        encoding.add_argument("login")
        encoding.add_argument("encoding")

    def handle(self, *args, **options):
        if options.get("action") == "account":
            try:
                return self.account(options)
            except accounts.AccountError as error:
                raise CommandError(str(error)) from error
        return self.serve(options)

    def account(self, options):
        verb = options["verb"]
        if verb == "add":
            account = accounts.add_account(
                None, options["login"], options["library"], options["password"], encoding=options["encoding"],
                location=options["location"], patron_password_required=options["require_patron_password"])
            self.stdout.write(f"kiosk {account.login} added for {account.library.code} ({account.encoding})")
        elif verb == "list":
            for account in accounts.visible_accounts(None):
                state = "enabled" if account.enabled else "disabled"
                seen = account.last_login_at.isoformat(timespec="seconds") if account.last_login_at else "-"
                self.stdout.write(f"{account.login}\t{account.library.code}\t{state}\t{account.encoding}\t{seen}")
        elif verb in ("disable", "enable"):
            account = accounts.set_enabled(None, options["login"], verb == "enable")
            self.stdout.write(f"kiosk {account.login} {verb}d")
        elif verb == "password":
            account = accounts.set_password(None, options["login"], options["password"])
            self.stdout.write(f"password of kiosk {account.login} changed")
        elif verb == "encoding":
            account = accounts.set_encoding(None, options["login"], options["encoding"])
            self.stdout.write(f"kiosk {account.login} now uses {account.encoding}")

    def serve(self, options):
        from thuvien.interop.sip2.server import make_server

        try:
            server = make_server(options["host"], options["port"], max_connections=options["max_connections"],
                                 idle_timeout=options["idle_timeout"])
        except OSError as error:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {error}") from error
        stop = threading.Event()

        def shut(*_):
            if not stop.is_set():
                stop.set()
                threading.Thread(target=server.shutdown, daemon=True).start()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, shut)
            signal.signal(signal.SIGINT, shut)
        self.server = server
        self.stdout.write(f"SIP2 server listening on {options['host']}:{server.port}", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.5)
        finally:
            server.server_close()
        self.stdout.write("SIP2 server stopped")

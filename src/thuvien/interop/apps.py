from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "thuvien.interop"

    def ready(self):
        from thuvien.interop.oai import signals

        signals.connect()  # OAI-PMH: set membership moves a record's datestamp

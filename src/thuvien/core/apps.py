from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "thuvien.core"
    verbose_name = "Core"

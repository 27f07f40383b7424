"""Django settings for thuvien.

Everything an operator may change comes from the environment:

- ``DATABASE_URL``: ``sqlite:///PATH`` (default: ``$THUVIEN_DATA_DIR/thuvien.sqlite3``)
  or ``postgres://user@host:port/name``.
- ``THUVIEN_DATA_DIR``: where the search index, media files and the default SQLite
  database live (default: ``./var``).
- ``THUVIEN_DB_CONN_MAX_AGE``: seconds a server thread keeps its database connection
  (default 60; 0 opens one per request).
- ``THUVIEN_SECRET_KEY``, ``THUVIEN_DEBUG``, ``THUVIEN_ALLOWED_HOSTS``.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("THUVIEN_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("THUVIEN_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = os.environ.get("THUVIEN_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("THUVIEN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("THUVIEN_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "thuvien.core",
    "thuvien.network",
    "thuvien.accounts",
    "thuvien.catalog",
    "thuvien.cataloguing",
    "thuvien.search",
    "thuvien.circulation",
    "thuvien.interop",
    "thuvien.interop.sip2",  # SIP2 kiosks (own app: its accounts and migrations)
    "thuvien.digital",
    "thuvien.opac",
    "thuvien.staff",
    "thuvien.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "thuvien.digital.middleware.OpenTileMiddleware",  # open IIIF tiles: no session needed
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "thuvien.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "thuvien.urls"
WSGI_APPLICATION = "thuvien.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "thuvien.core.context_processors.site",
            ],
        },
    },
]


def _database_config():
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'thuvien.sqlite3'}"
    # Connections outlive a request (each server thread keeps its own): opening one costs
    # more than most pages, a new PostgreSQL backend or SQLite's PRAGMAs each time.
    max_age = int(os.environ.get("THUVIEN_DB_CONN_MAX_AGE", "60"))
    config = dj_database_url.parse(url, conn_max_age=max_age, conn_health_checks=max_age > 0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock when a transaction starts, so two desks
        # racing for one copy serialise instead of failing half-way.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
            ),
        }
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "staff:login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at start-up when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

# Shared by the processes of one machine (web workers, SIP2 server, worker): the counts of
# failed logins (accounts.throttle) must add up across them.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Development and tests serve static files straight from the apps; `thuvien serve` collects
# them first and turns this off, so whitenoise serves the collected, compressed copies.
WHITENOISE_USE_FINDERS = os.environ.get("THUVIEN_STATIC_FINDERS", "1") == "1"

SEARCH_INDEX_DIR = Path(os.environ.get("THUVIEN_INDEX_DIR", DATA_DIR / "index"))

TASKS = {
    "default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"},
}

EMAIL_BACKEND = os.environ.get(
    "THUVIEN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("THUVIEN_FROM_EMAIL", "thuvien@localhost")

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "SAMEORIGIN"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("THUVIEN_LOG_LEVEL", "WARNING")},
}

# Digital library: limits on what ingest accepts (bigger or stranger files are refused).
DIGITAL_MAX_FILE_BYTES = int(os.environ.get("THUVIEN_DIGITAL_MAX_FILE_BYTES", 1024 * 1024 * 1024))
DIGITAL_MAX_PIXELS = int(os.environ.get("THUVIEN_DIGITAL_MAX_PIXELS", 150_000_000))  # per page
DIGITAL_MAX_PDF_PAGES = int(os.environ.get("THUVIEN_DIGITAL_MAX_PDF_PAGES", 2000))
DIGITAL_PDF_DPI = int(os.environ.get("THUVIEN_DIGITAL_PDF_DPI", 150))
DIGITAL_TILE_SIZE = 512
# IIIF requests that no static file answers are rendered: at most this many at once per process.
DIGITAL_IIIF_RENDERS = int(os.environ.get("THUVIEN_DIGITAL_IIIF_RENDERS", 2))
DIGITAL_IIIF_RENDER_WAIT = 15  # seconds a request waits for a slot before a 503
# The public deposit form: files and total size one offer may bring.
DIGITAL_DEPOSIT_MAX_FILES = int(os.environ.get("THUVIEN_DIGITAL_DEPOSIT_MAX_FILES", 50))
DIGITAL_DEPOSIT_MAX_BYTES = int(os.environ.get("THUVIEN_DIGITAL_DEPOSIT_MAX_BYTES", 300 * 1024 * 1024))
DIGITAL_OCR_LANGUAGES = os.environ.get("THUVIEN_DIGITAL_OCR_LANGUAGES", "vie")
# By collection kind; languages not installed are left out.
DIGITAL_OCR_LANGUAGES_BY_KIND = {
    "han_nom": os.environ.get("THUVIEN_DIGITAL_OCR_LANGUAGES_HAN_NOM", "chi_tra+vie"),
}
# A front web server may send the files itself: "X-Accel-Redirect" (nginx) or "X-Sendfile".
DIGITAL_SENDFILE_HEADER = os.environ.get("THUVIEN_DIGITAL_SENDFILE_HEADER", "")
DIGITAL_SENDFILE_PREFIX = os.environ.get("THUVIEN_DIGITAL_SENDFILE_PREFIX", "/protected-media/")
# A book's scans are uploaded in one go from the staff screens.
DATA_UPLOAD_MAX_NUMBER_FILES = int(os.environ.get("THUVIEN_MAX_UPLOAD_FILES", 2000))
# The MARC editor posts four inputs a field; a long record has hundreds of fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Text set on pages that readers download (empty: they get the original file).
DIGITAL_WATERMARK = os.environ.get("THUVIEN_DIGITAL_WATERMARK", "")
# Reverse proxies (CIDR, comma-separated) whose X-Forwarded-For gives the reader's address,
# which decides on-site access.
DIGITAL_TRUSTED_PROXIES = os.environ.get("THUVIEN_DIGITAL_TRUSTED_PROXIES", "")

# API docs (/api/docs): Swagger UI from django-ninja's own static files, never a CDN.
INSTALLED_APPS += ["ninja"]
# Open data (/opendata): the licence stated with every dump; the dumps live in DATA_DIR/opendata.
OPENDATA_LICENCE = {
    "name": os.environ.get("THUVIEN_OPENDATA_LICENCE", "CC0 1.0 Universal (Public Domain Dedication)"),
    "url": os.environ.get("THUVIEN_OPENDATA_LICENCE_URL", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "statement": os.environ.get("THUVIEN_OPENDATA_LICENCE_STATEMENT", ""),
}
# The site's public address (https://thuvien.example.vn), for links written where there is
# no request to take it from: open data dumps link digitised documents with it.
SITE_URL = os.environ.get("THUVIEN_SITE_URL", "").rstrip("/")
# OAI-PMH harvester: attempts per request and the first wait between them (doubling).
HARVEST_RETRIES = int(os.environ.get("THUVIEN_HARVEST_RETRIES", 3))
HARVEST_BACKOFF_SECONDS = float(os.environ.get("THUVIEN_HARVEST_BACKOFF_SECONDS", 5))
# OAI-PMH provider (/oai): records are oai:<OAI_REPOSITORY_ID>:<id>; lists are sent in pages of
# OAI_PAGE_SIZE, and their resumption tokens expire after OAI_TOKEN_MAX_AGE seconds.
OAI_REPOSITORY_ID = os.environ.get("THUVIEN_OAI_REPOSITORY_ID", "thuvien.ninhbinh")
OAI_REPOSITORY_NAME = os.environ.get("THUVIEN_OAI_REPOSITORY_NAME", "")
OAI_ADMIN_EMAILS = [e for e in os.environ.get("THUVIEN_OAI_ADMIN_EMAIL", "").split(",") if e.strip()]
OAI_BASE_URL = os.environ.get("THUVIEN_OAI_BASE_URL", "")  # behind a proxy: https://host/oai
OAI_PAGE_SIZE = int(os.environ.get("THUVIEN_OAI_PAGE_SIZE", 500))
OAI_TOKEN_MAX_AGE = int(os.environ.get("THUVIEN_OAI_TOKEN_MAX_AGE", 24 * 3600))
# The next page of a list is rendered while the harvester reads this one (interop/oai/prefetch.py).
OAI_PREFETCH = os.environ.get("THUVIEN_OAI_PREFETCH", "1") == "1"

"""Settings for the SRM project, read only from the environment (see .env.example).

With no DATABASE_URL an embedded PostgreSQL server is used; with no REDIS_URL Celery tasks run
eagerly, the cache lives in process memory and email goes to the console. Sessions are always
kept in the database.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from srm.config import Env, parse_email_url

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.boolean("DEBUG", default=False)
SECRET_KEY = env.string("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY: required when DEBUG is off. Set it to a long random string, e.g. "
            "the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.strings(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS: required when DEBUG is off; list the host names the app is served "
        "under, separated by commas."
    )
CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django.contrib.postgres",
    "django_countries",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "core",
    "accounts",
    "suppliers",
    "meetings",
    "notifications",
    "escalations",
    "contracts",
    "reviews",
    "rfps",
    "webhooks",
    "health",
    "reports",
]

MIDDLEWARE = [
    # First: load balancers and container health checks get an answer without host checks,
    # HTTPS redirects or sessions.
    "core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy everywhere, no-store for whoever is signed in (it sees the
    # response after authentication, since it wraps every middleware below it).
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # An unknown URL under /api/ is the JSON 404 even with DEBUG on (its technical page).
    "core.middleware.ApiNotFoundMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A POST under /api/ sent with an Idempotency-Key runs once; a retry replays its answer.
    "core.idempotency.IdempotencyMiddleware",
    # Groups each request's writes under one audit context with its user (and API token).
    "pghistory.middleware.HistoryMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "accounts.middleware.PageAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes' requirement).
    "axes.middleware.AxesMiddleware",
    # Turns an upload stopped by core.uploads.SizeLimitUploadHandler into a 413.
    "core.middleware.UploadLimitMiddleware",
]

# No inline script, handler or style attribute anywhere in templates/ (tests/core/test_csp.py
# checks); everything comes from the app itself. A middleware writes it rather than django-csp:
# one fixed header and one for the API docs is all we need, with no nonces.
_CSP_COMMON = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
CONTENT_SECURITY_POLICY = f"{_CSP_COMMON}; style-src 'self'; img-src 'self'"
# Swagger UI (drf-spectacular's sidecar, its init script a file of its own) writes inline style
# attributes and shows data: images; no script runs inline there either.
CONTENT_SECURITY_POLICY_API_DOCS = (
    f"{_CSP_COMMON}; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
)
CONTENT_SECURITY_POLICY_API_DOCS_PATH = "/api/docs/"

ROOT_URLCONF = "srm.urls"
WSGI_APPLICATION = "srm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# Forms render through TEMPLATES, so templates/django/forms/ may override Django's widget
# templates; a <select> renders in Python (core/renderers.py says why).
FORM_RENDERER = "core.renderers.FormRenderer"

# --- Database ---------------------------------------------------------------------------------

EMBEDDED_POSTGRES_DIR = BASE_DIR / "var" / "postgres"
_database = env.database("DATABASE_URL")
if _database is None:
    _database = {"ENGINE": "srm.embedded_db", "NAME": "srm", "USER": "postgres"}
_database["CONN_MAX_AGE"] = env.integer("DATABASE_CONN_MAX_AGE", default=60, minimum=0)
_database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker -----------------------------------------------------------

# The web never waits on Redis. Sessions live in the database, so signing in does not need it.
# The cache (only the API throttle uses it) gives Redis half a second, then carries on without
# it: a read misses, a write is dropped, and the error is logged (IGNORE_EXCEPTIONS). No request
# talks to the broker: notifications are outbox rows, queued by the sweep task in a worker.
REDIS_URL = env.redis_url("REDIS_URL")
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "srm",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The rest of the Celery configuration is in srm/celery.py.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True

# --- Accounts, sessions and sign-in -----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, refusing API-only accounts as it refuses a wrong password.
    "accounts.backends.PagesBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# A session ends after this many minutes without a request.
SESSION_COOKIE_AGE = env.integer("SESSION_IDLE_MINUTES", default=120, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True

# Repeated failed sign-ins lock the username from that address for a while (django-axes).
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", default=15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Audit trail (django-pghistory: database triggers record every write) ----------------------

PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PGHISTORY_APPEND_ONLY = True  # history rows cannot be changed or deleted, even by the app

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGES = [
    ("en", _("English")),
    ("sv", _("Swedish")),
    ("de", _("German")),
    ("nl", _("Dutch")),
    ("vi", _("Vietnamese")),
]
LANGUAGE_CODE = env.choice("LANGUAGE_CODE", "en", [code for code, _name in LANGUAGES])
TIME_ZONE = env.time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "media/"

# --- Email ------------------------------------------------------------------------------------

_email_url = env.string("EMAIL_URL")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if _email_url:
    globals().update(parse_email_url(_email_url))
# The console backend is a log: ours prints each message with its signed links masked.
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    EMAIL_BACKEND = "notifications.backends.MaskedConsoleEmailBackend"
# A dotted path overrides the backend EMAIL_URL chose. For tests and benchmarks only: the
# worker processes they start record every send with notifications.testing.RecordingEmailBackend.
if env.is_set("EMAIL_BACKEND"):
    EMAIL_BACKEND = env.string("EMAIL_BACKEND")
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "SRM <srm@localhost>")

# --- Reminders and escalations ----------------------------------------------------------------

# Links in emails point here.
SITE_URL = env.string("SITE_URL", "http://127.0.0.1:8000")
# The top of the escalation ladder when a supplier has no executive sponsor (a username);
# unset, it is a procurement manager with no manager above them.
HEAD_OF_PROCUREMENT = env.string("HEAD_OF_PROCUREMENT")
# Contract values, benefits and spend add up in this currency (ExchangeRate rows convert).
REPORTING_CURRENCY = env.currency("REPORTING_CURRENCY", default="EUR")
# The currency new suppliers, contracts and RFPs start with (each may pick another).
DEFAULT_CURRENCY = env.currency("DEFAULT_CURRENCY", default=REPORTING_CURRENCY)
# Our commitments: a reminder on the due date, another this many days after it, and an
# escalation this many days after it.
COMMITMENT_REMINDER_DAYS = env.integer("COMMITMENT_REMINDER_DAYS", default=3, minimum=1)
COMMITMENT_ESCALATION_DAYS = env.integer("COMMITMENT_ESCALATION_DAYS", default=7, minimum=1)
# Reviews: days after a review's due date before an overdue review is escalated, and days a
# supplier's survey link stays valid.
REVIEW_ESCALATION_DAYS = env.integer("REVIEW_ESCALATION_DAYS", default=7, minimum=1)
REVIEW_SURVEY_DAYS = env.integer("REVIEW_SURVEY_DAYS", default=30, minimum=1)
# Hours an escalation may wait for acknowledgement, by severity, before it climbs a level.
ESCALATION_ACKNOWLEDGE_HOURS = {"critical": 4, "high": 24, "medium": 72, "low": 168}

# --- Contracts --------------------------------------------------------------------------------

# An active contract ending within this many days shows as expiring.
CONTRACT_EXPIRING_DAYS = env.integer("CONTRACT_EXPIRING_DAYS", default=90, minimum=0)
# Largest contract document accepted, in bytes (20 MB).
CONTRACT_DOCUMENT_MAX_BYTES = env.integer(
    "CONTRACT_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024, minimum=1
)
# The contract owner is reminded this many days ahead of an open obligation's due date.
OBLIGATION_REMINDER_DAYS = env.integer("OBLIGATION_REMINDER_DAYS", default=7, minimum=0)

# --- RFPs -------------------------------------------------------------------------------------
# A supplier's link stays readable (the RFP and their own receipts) this many days after its
# deadline; it never submits after the deadline.
RFP_LINK_READ_DAYS = env.integer("RFP_LINK_READ_DAYS", default=90, minimum=0)
RFP_ATTACHMENT_MAX_BYTES = env.integer(
    "RFP_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024, minimum=1
)
RFP_ATTACHMENTS_MAX = env.integer("RFP_ATTACHMENTS_MAX", default=20, minimum=1)
# Hours an API POST's Idempotency-Key and its answer are kept (a retry within them replays it).
IDEMPOTENCY_KEY_HOURS = env.integer("IDEMPOTENCY_KEY_HOURS", default=24, minimum=1)

# --- Change feed (issue 16: /api/v1/changes/ and ?changes_after=) -----------------------------
# Days the feed keeps deletions and ends (tombstones); a cursor older than the oldest purged
# one gets 410 cursor_expired and the client syncs again from 0 (core.changes).
CHANGE_RETENTION_DAYS = env.integer("CHANGE_RETENTION_DAYS", default=90, minimum=1)

# --- Webhooks (signed outbound events, webhooks app) ----------------------------------------
# Endpoints that resolve to loopback, private, link-local, multicast or reserved addresses are
# refused, at save and again at each send, unless this is on (tests and the benchmark turn it on).
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.boolean("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False)
# Plain http:// endpoints: only in development (DEBUG) unless set.
WEBHOOKS_ALLOW_HTTP = env.boolean("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
# An endpoint whose last this many deliveries all failed for good is disabled, its owner told.
WEBHOOKS_DISABLE_AFTER = env.integer("WEBHOOKS_DISABLE_AFTER", default=5, minimum=1)
# Attempts per delivery; the wait after attempt n is WEBHOOKS_RETRY_BASE_SECONDS * 4**(n-1).
WEBHOOKS_MAX_ATTEMPTS = env.integer("WEBHOOKS_MAX_ATTEMPTS", default=8, minimum=1)
WEBHOOKS_RETRY_BASE_SECONDS = env.integer("WEBHOOKS_RETRY_BASE_SECONDS", default=30, minimum=0)
# Certificates webhook receivers' TLS is verified against (a file of PEM certificates); empty:
# the public CAs of certifi. For receivers behind a private CA.
WEBHOOKS_CA_BUNDLE = env.string("WEBHOOKS_CA_BUNDLE")
# Deliveries and their attempts (and events left with none) are kept this many days.
WEBHOOKS_RETENTION_DAYS = env.integer("WEBHOOKS_RETENTION_DAYS", default=7, minimum=1)

# --- Uploads ----------------------------------------------------------------------------------
# A multipart body is refused (413) before it is read whole: by its Content-Length when that is
# over the largest file accepted plus this much for the form's other fields and the multipart
# framing, else as soon as one file passes the largest size (core.uploads).
UPLOAD_FORM_OVERHEAD_BYTES = 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- REST API ---------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A token's scopes first (accounts/scopes.py: 403 missing_scope), then the user's role.
    "DEFAULT_PERMISSION_CLASSES": [
        "accounts.permissions.TokenScopePermission",
        "accounts.permissions.RolePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.APITokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": env.rate("API_TOKEN_RATE", "1200/minute")},
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
        "core.api.filters.OrderingBackend",
    ],
    # Odd JSON (too deep, NUL, 1e999) is a 400 naming the field: core/api/parsers.py.
    # JSON only: a form or multipart body is a 415. A view that takes a file upload lists
    # the multipart parser itself (contracts' documents).
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api.keyset.KeysetPagination",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "PAGE_SIZE": 50,
    # Errors, scopes, blank values and list parameters made true to the API: core/api/schema.py.
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SRM API",
    "DESCRIPTION": (
        "Supplier relationship management. Authenticate with `Authorization: Token <token>`; "
        "tokens are created in the admin or with `manage.py create_api_token`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_idempotency_header",
        "core.api.schema.document_errors",
        "core.api.schema.document_scopes",
    ],
    # The schema describes the API, not its data: integrators may read it before they sign in.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
}

# --- Security when served for real ------------------------------------------------------------

# HTTPS is on by default whenever DEBUG is off: the app expects a TLS-terminating proxy in front.
HTTPS = env.boolean("HTTPS", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is a decision for each deployment.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    },
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

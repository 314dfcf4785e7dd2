"""Settings in one readable chain.

Everything comes from environment variables through the typed helpers below; the embedded default
(SQLite in ``var/``, no server of any kind) works with no settings at all.

``JINGZHUN_PROFILE`` chooses the profile:

* ``local`` (default): what ``make run`` serves on http://127.0.0.1:8000 — DEBUG off, cookies
  not marked secure because the loopback address has no TLS.
* ``production``: TLS-only cookies, HSTS, SSL redirect; ``manage.py check --deploy`` is clean.
* ``dev``: DEBUG on.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("JINGZHUN_VAR_DIR", PROJECT_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def _private_var_dir() -> None:
    """var/ holds the database, uploads, plans, evaluations, exports and the secret key:
    readable by the account that runs jingzhun only. Every file this process creates is
    0600 and every directory 0700 (umask), and var/ itself is closed to others."""
    os.umask(0o077)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    VAR_DIR.chmod(0o700)


_private_var_dir()


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept in var/ (never in code)."""
    if key := env_str("DJANGO_SECRET_KEY"):
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


PROFILE = env_str("JINGZHUN_PROFILE", "local")
PRODUCTION = PROFILE == "production"
DEBUG = env_bool("DJANGO_DEBUG", PROFILE == "dev")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "jingzhun.core",
    "jingzhun.areas",
    "jingzhun.accounts",
    "jingzhun.audit",
    "jingzhun.registry",
    "jingzhun.demo",
    "jingzhun.policy",
    "jingzhun.assessment",
    "jingzhun.cases",
    "jingzhun.analytics",
    "jingzhun.quality",
    "jingzhun.linkage",
    "jingzhun.crosscheck",
    "jingzhun.assistance",
    "jingzhun.supervision",
    "jingzhun.projects",
    "jingzhun.assets",
    "jingzhun.risk",
    "jingzhun.mpi",
    "jingzhun.relocation",
    "jingzhun.imports",
    "jingzhun.ledgers",
    "jingzhun.exports",
    "jingzhun.front",
    "jingzhun.dashboards",
    "jingzhun.reporting",
    "jingzhun.ops",
]

# Background jobs (imports, large exports, quality runs): a queue kept in the application's own
# database, worked by `jingzhun worker` (which `jingzhun serve` starts beside the web server), so
# the embedded default needs no broker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jingzhun.core.middleware.touch_session",
    "jingzhun.core.middleware.chinese_by_default",
    "jingzhun.core.middleware.refuse_nul_characters",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A signed-in user whose password expired, or who must still pass the second factor, is
    # sent to that page first (jingzhun.accounts.middleware).
    "jingzhun.accounts.middleware.account_gate",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jingzhun.core.middleware.content_security_policy",
    # axes must be last: it turns a locked-out login into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jingzhun.urls"
WSGI_APPLICATION = "jingzhun.wsgi.application"

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
            ],
        },
    },
]

# --- Database: SQLite (WAL) in var/ unless DATABASE_URL says otherwise -----------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'jingzhun.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_sqlite))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE avoids lock upgrades failing.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("JINGZHUN_TEST_SQLITE", "") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "jingzhun.accounts.hashers.Argon2Hasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Passwords of a level-3 system (GB/T 22239-2019 8.1.4.1): at least 10 characters of at least
# three kinds (upper case, lower case, digits, symbols), not common, not like the user's name,
# never the published demo password; changed every JINGZHUN_PASSWORD_MAX_DAYS days (0: never;
# the production profile's default is 90).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jingzhun.accounts.passwords.CompositionValidator"},
    {"NAME": "jingzhun.accounts.passwords.NotDemoPasswordValidator"},
]
JINGZHUN_PASSWORD_MAX_DAYS = env_int("JINGZHUN_PASSWORD_MAX_DAYS", 90 if PRODUCTION else 0)
# A second factor (TOTP, django-otp) for approvers and administrators: required in production.
JINGZHUN_REQUIRE_SECOND_FACTOR = env_bool("JINGZHUN_REQUIRE_SECOND_FACTOR", PRODUCTION)
OTP_TOTP_ISSUER = "jingzhun"
# API tokens expire after this many days; they are stored hashed and revoked on sign-out and on
# a password change (jingzhun.accounts.tokens).
JINGZHUN_TOKEN_DAYS = env_int("JINGZHUN_TOKEN_DAYS", 30)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures (django-axes): 5 failures of one user name from one address
# lock that name at that address for 30 minutes. By name AND address: locking a name from
# everywhere would let anyone lock out the administrator by typing wrong passwords for it;
# not by address alone: a township office shares one NAT address. Guessing from many
# addresses is answered by the password rules and, for approvers and administrators, the
# second factor.
AXES_FAILURE_LIMIT = env_int("JINGZHUN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("JINGZHUN_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions expire after 30 idle minutes and when the browser closes.
SESSION_COOKIE_AGE = env_int("JINGZHUN_SESSION_MINUTES", 30) * 60
# The idle clock is pushed forward by jingzhun.core.middleware.touch_session at most once a
# minute (not on every request, which would write the session row on every page view); signing
# in counts as a touch.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Behind a reverse proxy (nginx terminating TLS): the proxy's address. `jingzhun serve` then takes
# the client's address and scheme from that proxy's X-Forwarded-For / X-Forwarded-Proto (and only
# from it; such headers from anyone else are dropped), so request.is_secure() holds behind the
# proxy — no redirect loop with SECURE_SSL_REDIRECT — and the audit trail and the lockout see
# the real client address. "*" trusts any direct peer: only when nothing else can reach the port.
JINGZHUN_TRUSTED_PROXY = env_str("JINGZHUN_TRUSTED_PROXY", "")
JINGZHUN_TRUSTED_PROXY_COUNT = env_int("JINGZHUN_TRUSTED_PROXY_COUNT", 1)

# --- Language and time -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: everything served locally (intranets have no internet) ---------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jingzhun.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "jingzhun.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "jingzhun.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "jingzhun.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jingzhun API",
    "DESCRIPTION": "精准扶贫与防返贫动态监测系统 REST API (v1)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs describe every endpoint and field: for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Requests and responses described apart: a response holds what a request may not (read-only
    # fields; a health status hidden from the role, jingzhun.api.schema).
    "COMPONENT_SPLIT_REQUEST": True,
    # The error answers every operation can give (401, 403, 404, 400, 415, 409), in one place.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jingzhun.api.schema.document_errors",
    ],
    # One schema name per value list (the three 致贫原因 fields share one list, for example).
    "ENUM_NAME_OVERRIDES": {
        "PovertyCauseEnum": "jingzhun.registry.choices.PovertyCause",
        "RiskTypeEnum": "jingzhun.registry.choices.RiskType",
        "HouseholdTypeEnum": "jingzhun.registry.choices.HouseholdType",
        "MonitoringCategoryEnum": "jingzhun.registry.choices.MonitoringCategory",
        "SexEnum": "jingzhun.registry.choices.Sex",
        "AreaLevelEnum": "jingzhun.areas.models.Level",
    },
}

# --- Logging: personal numbers never reach the logs (see jingzhun.core.logging) ----------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal": {"()": "jingzhun.core.logging.MaskPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personal"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("JINGZHUN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Uploaded files and generated exports / snapshots live under var/ (never inside the package).
MEDIA_ROOT = VAR_DIR / "media"
UPLOAD_DIR = VAR_DIR / "uploads"
EXPORT_DIR = VAR_DIR / "exports"
SNAPSHOT_DIR = VAR_DIR / "snapshot"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Background jobs: a process that runs jobs holds a lease (jingzhun.core.jobs) -------------
# A process on another host whose heartbeat is older than this is taken for dead.
JINGZHUN_JOB_LEASE_SECONDS = env_int("JINGZHUN_JOB_LEASE_SECONDS", 120)
JINGZHUN_JOB_HEARTBEAT = env_bool("JINGZHUN_JOB_HEARTBEAT", True)

# --- The registry's own settings ---------------------------------------------------------------
JINGZHUN_PAGE_SIZE = env_int("JINGZHUN_PAGE_SIZE", 50)

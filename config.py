"""Orderflow settings.

Every setting has a safe default and can be overridden by an environment variable of
the same name. ``create_app(config=..., **overrides)`` layers explicit overrides on top.
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def env(name: str, default=None):
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    ENV = env("FLASK_ENV", "development")
    APP_NAME = env("APP_NAME", "Orderflow")
    APP_THEME = ""
    APP_ICON = ""

    SECRET_KEY = env("SECRET_KEY")
    SECRET_KEY_MIN_LENGTH = 32

    SQLALCHEMY_DATABASE_URI = env(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'orderflow.sqlite3'}"
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    HOST = env("HOST", "127.0.0.1")
    PORT = env_int("PORT", 8080)

    UPLOAD_FOLDER = env("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    # Flask refuses bodies past this before any view runs; a little above the file limit
    # so a too-large file still reaches our validator and gets a message naming it.
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)
    ALLOWED_UPLOAD_EXTENSIONS = set(
        env(
            "ALLOWED_UPLOAD_EXTENSIONS",
            "pdf,png,jpg,jpeg,gif,txt,doc,docx,odt,xls,xlsx,csv,zip",
        ).split(",")
    )

    MAIL_SERVER = env("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = env_int("MAIL_PORT", 8025)
    MAIL_USERNAME = env("MAIL_USERNAME")
    MAIL_PASSWORD = env("MAIL_PASSWORD")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "orderflow@localhost")

    MAIL_MAX_ATTACHMENT_BYTES = env_int("MAIL_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10)
    NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 6)
    NOTIFICATION_BACKOFF_SECONDS = env_int("NOTIFICATION_BACKOFF_SECONDS", 60)
    # run.py sends due e-mails every NOTIFICATIONS_INTERVAL seconds and runs the payout job
    # every PAYOUTS_INTERVAL seconds in-process (or use `flask notifications send` /
    # `flask payouts run` from cron).
    MONEY_IN_PROCESS = env_bool("MONEY_IN_PROCESS", True)
    NOTIFICATIONS_INTERVAL = env_int("NOTIFICATIONS_INTERVAL", 60)
    PAYOUTS_INTERVAL = env_int("PAYOUTS_INTERVAL", 3600)

    # Payments: a method without credentials is hidden.
    # The built-in test gateway: on outside production unless switched off.
    SANDBOX_GATEWAY_ENABLED = env_bool("SANDBOX_GATEWAY_ENABLED", env("FLASK_ENV", "development") != "production")
    SANDBOX_GATEWAY_SECRET = env("SANDBOX_GATEWAY_SECRET", "")
    BANK_TRANSFER_INSTRUCTIONS = env(
        "BANK_TRANSFER_INSTRUCTIONS", "Transfer to Orderflow Demo, account 0123456789 (Demo Bank)."
    )
    MIDTRANS_SERVER_KEY = env("MIDTRANS_SERVER_KEY", "")
    MIDTRANS_SNAP_URL = env("MIDTRANS_SNAP_URL", "https://app.sandbox.midtrans.com")
    MIDTRANS_API_URL = env("MIDTRANS_API_URL", "https://api.sandbox.midtrans.com")
    XENDIT_SECRET_KEY = env("XENDIT_SECRET_KEY", "")
    XENDIT_CALLBACK_TOKEN = env("XENDIT_CALLBACK_TOKEN", "")
    XENDIT_API_URL = env("XENDIT_API_URL", "https://api.xendit.co")
    YOOKASSA_SHOP_ID = env("YOOKASSA_SHOP_ID", "")
    YOOKASSA_SECRET_KEY = env("YOOKASSA_SECRET_KEY", "")
    YOOKASSA_API_URL = env("YOOKASSA_API_URL", "https://api.yookassa.ru")

    # Ready-made works: how long the e-mailed download link of a paid purchase works, and
    # the address links in e-mails start with (empty: the address the request came to).
    CATALOG_LINK_HOURS = env_int("CATALOG_LINK_HOURS", 48)
    PUBLIC_URL = env("PUBLIC_URL", "")

    TIMEZONE = env("TIMEZONE", "Asia/Jakarta")
    DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", "IDR")
    CURRENCIES = ["IDR", "RUB", "USD", "EUR"]
    DEFAULT_LOCALE = env("DEFAULT_LOCALE", "en")
    BABEL_DEFAULT_LOCALE = DEFAULT_LOCALE
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = {
        "en": {"flag": "gb", "name": "English"},
        "id": {"flag": "id", "name": "Bahasa Indonesia"},
        "ru": {"flag": "ru", "name": "Русский"},
    }
    # FAB prepends its own catalogs; ours come after so they win on shared message ids.
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        [str(BASE_DIR / "app" / "translations_fab"), str(BASE_DIR / "app" / "translations")]
    )

    # Flask-AppBuilder
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = env_bool("AUTH_USER_REGISTRATION", True)
    AUTH_USER_REGISTRATION_ROLE = "Customer"
    AUTH_RATE_LIMITED = env_bool("AUTH_RATE_LIMITED", True)
    AUTH_RATE_LIMIT = env("AUTH_RATE_LIMIT", "10 per 20 second")
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    RECAPTCHA_ENABLED = False
    # Self-registration without an e-mail round trip: the account is usable at once.
    AUTH_USER_REGISTRATION_EMAIL_CONFIRM = False
    FAB_CREATE_DB = False  # tables come from migrations
    FAB_UPDATE_PERMS = env_bool("FAB_UPDATE_PERMS", False)  # synced by `flask orderflow roles`
    FAB_API_SWAGGER_UI = True
    FAB_ADD_SECURITY_API = False
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_INDEX_VIEW = "app.views.public.LandingView"
    WTF_CSRF_ENABLED = True
    # Cookies stay on same-site requests, so a session-authenticated API call cannot be forged.
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None

    DEMO_PASSWORD = env("DEMO_PASSWORD", "demo")
    # List pages and list APIs count exactly up to this many rows, then say "more than N".
    LIST_COUNT_LIMIT = env_int("LIST_COUNT_LIMIT", 10_000)
    SEED_DEMO_DATA = env_bool("SEED_DEMO_DATA", True)

    # Workflow timers: run.py fires due timers in-process every TIMERS_INTERVAL seconds;
    # set REDIS_URL and run `flask timers worker` to use an RQ worker instead.
    TIMERS_IN_PROCESS = env_bool("TIMERS_IN_PROCESS", True)
    TIMERS_INTERVAL = int(env("TIMERS_INTERVAL", "60"))
    REDIS_URL = env("REDIS_URL", "")

    @property
    def is_production(self) -> bool:  # pragma: no cover - convenience
        return self.ENV == "production"


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    AUTH_RATE_LIMITED = False
    RATELIMIT_ENABLED = False
    SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"

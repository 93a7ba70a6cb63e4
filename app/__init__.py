"""Orderflow application factory."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any, Optional

from flask import Flask

from config import Config, INSTANCE_DIR

log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """A setting makes it unsafe or impossible to start."""


def create_app(config: Optional[object] = None, **overrides: Any) -> Flask:
    instance_path = overrides.pop("INSTANCE_PATH", None) or str(INSTANCE_DIR)
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=False)
    init_config(app, config, overrides)
    init_secret_key(app)
    init_storage(app)
    with app.app_context():
        init_database(app)
        init_csrf(app)
        init_appbuilder(app)
        init_views(app)
        init_api(app)
        init_cli(app)
        init_template_helpers(app)
    return app


def init_config(app: Flask, config: Optional[object], overrides: dict) -> None:
    app.config.from_object(config or Config)
    _apply_environment(app.config)
    if "DATABASE_URL" in overrides:
        overrides["SQLALCHEMY_DATABASE_URI"] = overrides.pop("DATABASE_URL")
    app.config.update(overrides)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config.get("DEFAULT_LOCALE", "en")
    if isinstance(app.config.get("ALLOWED_UPLOAD_EXTENSIONS"), str):
        app.config["ALLOWED_UPLOAD_EXTENSIONS"] = set(app.config["ALLOWED_UPLOAD_EXTENSIONS"].split(","))


def _apply_environment(config) -> None:
    """Any setting can be overridden by an environment variable of the same name."""
    aliases = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", "FLASK_ENV": "ENV"}
    for env_name, value in os.environ.items():
        key = aliases.get(env_name, env_name)
        if key not in config or not key.isupper():
            continue
        current = config[key]
        if isinstance(current, bool):
            config[key] = value.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(current, int):
            config[key] = int(value)
        elif isinstance(current, (set, list)):
            config[key] = type(current)(v.strip() for v in value.split(",") if v.strip())
        elif isinstance(current, (dict,)):
            continue
        else:
            config[key] = value


def is_production(app: Flask) -> bool:
    return str(app.config.get("ENV", "")).lower() == "production"


def init_secret_key(app: Flask) -> None:
    key = app.config.get("SECRET_KEY") or ""
    minimum = app.config.get("SECRET_KEY_MIN_LENGTH", 32)
    if len(key) >= minimum:
        return
    if is_production(app):
        raise ConfigError(
            f"SECRET_KEY is missing or shorter than {minimum} characters. In production set "
            f"it in the environment, e.g. SECRET_KEY=$(python -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))')."
        )
    key_file = Path(app.instance_path) / "secret_key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists() or len(key_file.read_text().strip()) < minimum:
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def init_storage(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)


def init_database(app: Flask) -> None:
    from .extensions import db, migrate
    from . import models  # noqa: F401  (register every table on FAB's metadata)

    db.init_app(app)
    migrate_dir = str(Path(__file__).resolve().parent.parent / "migrations")
    migrate.init_app(app, db, directory=migrate_dir, render_as_batch=True)


def init_csrf(app: Flask) -> None:
    """Before FAB: its REST API blueprints exempt themselves from an existing CSRFProtect."""
    from .extensions import csrf

    csrf.init_app(app)


def init_appbuilder(app: Flask) -> None:
    from flask_appbuilder import AppBuilder

    from .extensions import db
    from .security import OrderflowSecurityManager

    appbuilder = AppBuilder(update_perms=False, security_manager_class=OrderflowSecurityManager)
    appbuilder.init_app(app, db.session)


def init_views(app: Flask) -> None:
    from .views import register_views

    register_views(app.appbuilder)


def init_api(app: Flask) -> None:
    from .api import register_apis

    register_apis(app.appbuilder)


def init_cli(app: Flask) -> None:
    from .cli import register_cli

    register_cli(app)


def init_template_helpers(app: Flask) -> None:
    from flask_babel import format_datetime

    app.jinja_env.filters.setdefault("format_datetime", format_datetime)

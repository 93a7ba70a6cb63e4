"""Shared fixtures: one migrated, seeded database per test session.

TEST_DATABASE_URL selects PostgreSQL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test);
without it a SQLite file in a temporary folder is used.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, inspect, text

from config import TestConfig
from helpers import login, make_app


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_database(url: str) -> None:
    """Drop every table so migrations build the schema from nothing."""
    engine = create_engine(url)
    with engine.begin() as conn:
        names = inspect(conn).get_table_names()
        if engine.dialect.name == "postgresql":
            for name in names:
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for name in names:
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    reset_database(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    from seed.demo import load_demo

    application = make_app(database_url, tmp_path_factory.mktemp("uploads"))
    with application.app_context():
        upgrade()
    load_demo(application)
    return application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(app):
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def login_as(app):
    def _login(username: str):
        return login(app.test_client(), username)

    return _login



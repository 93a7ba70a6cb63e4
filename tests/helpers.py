"""Helpers the tests import (conftest modules are for fixtures only)."""
from __future__ import annotations

import re

from config import TestConfig


def make_app(url: str, upload_dir, **overrides):
    from app import create_app

    return create_app(TestConfig, DATABASE_URL=url, UPLOAD_FOLDER=str(upload_dir), **overrides)


def login(client, username: str, password: str = "demo"):
    response = client.post(
        "/login/", data={"username": username, "password": password}, follow_redirects=False
    )
    assert response.status_code == 302, f"login of {username} failed"
    return client


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else ""

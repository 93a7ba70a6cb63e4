"""App factory, configuration, setup commands, registration, login limits, languages."""
import pytest
from sqlalchemy import select

from app import ConfigError, create_app
from app.extensions import db
from app.models import Customer, User
from config import TestConfig
from helpers import login, make_app


def test_production_refuses_missing_or_short_secret_key(database_url, tmp_path):
    for key in (None, "short"):
        with pytest.raises(ConfigError, match="SECRET_KEY"):
            create_app(TestConfig, DATABASE_URL=database_url, ENV="production", SECRET_KEY=key,
                       INSTANCE_PATH=str(tmp_path), UPLOAD_FOLDER=str(tmp_path / "u"))


def test_development_generates_secret_key_once_and_keeps_it(database_url, tmp_path):
    first = create_app(TestConfig, DATABASE_URL=database_url, SECRET_KEY=None,
                       INSTANCE_PATH=str(tmp_path), UPLOAD_FOLDER=str(tmp_path / "u"))
    second = create_app(TestConfig, DATABASE_URL=database_url, SECRET_KEY="",
                        INSTANCE_PATH=str(tmp_path), UPLOAD_FOLDER=str(tmp_path / "u"))
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").read_text().strip() == first.config["SECRET_KEY"]


def test_every_setting_can_come_from_the_environment(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DEFAULT_CURRENCY", "RUB")
    monkeypatch.setenv("TIMEZONE", "Europe/Moscow")
    monkeypatch.setenv("PORT", "9090")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.test")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("UPLOAD_FOLDER", str(tmp_path / "files"))
    app = create_app(TestConfig, DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path))
    assert app.config["DEFAULT_CURRENCY"] == "RUB"
    assert app.config["TIMEZONE"] == "Europe/Moscow"
    assert app.config["PORT"] == 9090
    assert app.config["MAIL_SERVER"] == "smtp.example.test"
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["UPLOAD_FOLDER"] == str(tmp_path / "files")


def test_database_url_selects_the_database(database_url, tmp_path):
    app = create_app(TestConfig, DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path),
                     UPLOAD_FOLDER=str(tmp_path / "u"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database_url


def test_roles_command_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["orderflow", "roles"])
    assert first.exit_code == 0, first.output
    assert "Customer: +0" in first.output and "Author: +0" in first.output


def test_demo_seed_is_idempotent_and_never_in_production(app):
    from seed.demo import load_demo

    assert "0 new orders" in load_demo(app)
    app.config["ENV"] = "production"
    try:
        assert "never" in load_demo(app)
    finally:
        app.config["ENV"] = "development"


def test_customer_self_registration_gives_a_working_account(app):
    client = app.test_client()
    response = client.post("/register/form", data={
        "username": "newbuyer", "first_name": "Nina", "last_name": "Buyer",
        "email": "newbuyer@example.com", "password": "s3cret-pass", "conf_password": "s3cret-pass",
    })
    assert response.status_code == 302
    assert client.get("/shop/my-orders").status_code == 200
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "newbuyer")).scalar_one()
        assert [r.name for r in user.roles] == ["Customer"]
        customer = db.session.execute(select(Customer).where(Customer.user_id == user.id)).scalar_one()
        assert customer.email == "newbuyer@example.com"


def test_login_is_rate_limited(database_url, tmp_path):
    limited = make_app(database_url, tmp_path, AUTH_RATE_LIMITED=True, RATELIMIT_ENABLED=True,
                       AUTH_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.post("/login/", data={"username": "manager", "password": "wrong"}).status_code
             for _ in range(5)]
    assert codes[:3] != [429, 429, 429] and codes[-1] == 429


def test_language_switch_changes_the_interface(app):
    client = login(app.test_client(), "manager")
    english = client.get("/orderview/list/").get_data(as_text=True)
    assert "Logout" in english
    client.get("/lang/ru")
    russian = client.get("/orderview/list/").get_data(as_text=True)
    assert "Выход" in russian
    client.get("/lang/id")
    indonesian = client.get("/orderview/list/").get_data(as_text=True)
    assert "Keluar" in indonesian
    client.get("/lang/en")
    assert "Logout" in client.get("/orderview/list/").get_data(as_text=True)


def test_our_own_pages_are_translated(app):
    client = app.test_client()
    assert "Our services" in client.get("/?_l_=en").get_data(as_text=True)
    assert "Наши услуги" in client.get("/?_l_=ru").get_data(as_text=True)
    assert "Layanan kami" in client.get("/?_l_=id").get_data(as_text=True)

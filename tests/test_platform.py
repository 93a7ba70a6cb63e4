"""App factory, configuration, setup commands, registration, login limits, languages."""
import re

import pytest
from sqlalchemy import select

from app import ConfigError, create_app
from app.extensions import db
from app.models import Customer, Order, User
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

    with app.app_context():
        before = db.session.query(Order.id).count()
    assert f"{before} orders" in load_demo(app)  # a second run adds nothing
    with app.app_context():
        assert db.session.query(Order.id).count() == before
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


def _status_cell(page: str, order_id: int) -> str:
    row = re.search(rf'<tr data-order="{order_id}">(.*?)</tr>', page, re.S)
    assert row, f"order {order_id} is not on the page"
    cell = re.search(r'<td class="order-status">\s*([^<]*)', row.group(1))
    return cell.group(1).strip()


def _trigger_labels(page: str) -> dict:
    return {name: label.strip() for name, label in
            re.findall(r'data-trigger="([^"]+)">([^<]*)</button>', page)}


def test_workflow_labels_are_shown_in_the_users_language(app):
    """The labels of the shipped workflows (data in workflows/*.yaml) reach the catalogs under
    the context "workflow": the customer's list shows the customer label of the state, the
    order page the trigger buttons, both in the chosen language."""
    with app.app_context():
        # a demo repair ticket of the demo customer, walked one step: start_diagnosis
        order = db.session.execute(select(Order).where(Order.title == "Laptop does not boot")).scalar_one()
        order_id, state = order.id, order.state
    assert state == "diagnosing"
    client = login(app.test_client(), "customer")
    expected = {"en": ("Being diagnosed", "Cancel the ticket"),
                "ru": ("На диагностике", "Отменить заявку"),
                "id": ("Sedang didiagnosis", "Batalkan tiket")}
    for language, (status, button) in expected.items():
        listing = client.get(f"/shop/my-orders?_l_={language}")
        assert listing.status_code == 200
        assert _status_cell(listing.get_data(as_text=True), order_id) == status, language
        page = client.get(f"/orderview/show/{order_id}?_l_={language}").get_data(as_text=True)
        assert _trigger_labels(page).get("cancel") == button, language
        assert f'data-state="diagnosing">{status}</strong>' in page, language


def test_a_workflow_label_with_a_percent_sign_is_translated_and_kept(app):
    """Babel would take "50% ready" for a format string, so the catalogs hold "50%% ready";
    the lookup escapes the same way and shows one "%" (a label not in the catalogs as typed)."""
    from app.services import workflows

    expected = {"en": ("Awaiting 50% deposit", "50% ready"),
                "ru": ("Ожидает аванса 50%", "Готово на 50%"),
                "id": ("Menunggu deposit 50%", "Selesai 50%")}
    for language, (deposit, half) in expected.items():
        with app.test_request_context(f"/?_l_={language}"):
            assert workflows.state_label("writing", "awaiting_deposit") == deposit
            assert workflows.state_label("writing", "half_ready") == half
            assert workflows.translated("Typed by an admin: 100% %(x)s") == "Typed by an admin: 100% %(x)s"


def test_a_shipped_guard_message_is_shown_in_the_users_language(app):
    """A guard's message in a workflow file is data too: a refused technician reads it in Russian."""
    from app.extensions import db
    from app.services import transitions
    from repair_helpers import new_ticket, user

    with app.app_context():
        order = new_ticket()
        transitions.fire(db.session, order.id, "start_diagnosis", actor=user("manager"))
        db.session.commit()
        order_id = order.id
    technician = login(app.test_client(), "technician")
    refused = technician.post(f"/api/v1/order/{order_id}/trigger/start_repair?_l_=ru", json={})
    assert refused.status_code == 422
    assert refused.get_json()["message"]["guards"] == ["Сначала запишите диагноз"]

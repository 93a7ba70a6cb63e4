"""Service form schemas: checking a schema, validating order details against it, and the
same validation seen through the REST API and the customer order form."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.services.errors import ValidationFailed
from app.services.form_schema import check_schema, validate_details
from helpers import login


def errors_of(schema, data, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as info:
        validate_details(schema, data, **kwargs)
    return info.value.errors


def one_message(errors: dict, field: str) -> str:
    assert field in errors, errors
    assert len(errors[field]) == 1, errors[field]
    return errors[field][0]


# --------------------------------------------------------------------------- text


TEXT = [{"name": "topic", "label": "Topic", "type": "text", "required": True, "min": 5, "max": 10}]


def test_text_is_cleaned_and_accepted_within_bounds():
    assert validate_details(TEXT, {"topic": "  hello  "}) == {"topic": "hello"}
    assert validate_details(TEXT, {"topic": "x" * 10}) == {"topic": "x" * 10}


def test_text_too_short_and_too_long_name_the_bound():
    assert one_message(errors_of(TEXT, {"topic": "abcd"}), "topic").startswith("must be at least 5")
    assert one_message(errors_of(TEXT, {"topic": "x" * 11}), "topic").startswith("must be at most 10")


def test_text_length_is_measured_after_trimming():
    assert one_message(errors_of(TEXT, {"topic": "   abc    "}), "topic").startswith(
        "must be at least 5"
    )


def test_text_must_be_a_string():
    assert one_message(errors_of(TEXT, {"topic": 12345}), "topic") == "must be text"
    assert one_message(errors_of(TEXT, {"topic": ["hello world"]}), "topic") == "must be text"


@pytest.mark.parametrize("blank", [None, "", "    "])
def test_required_field_blank_is_required(blank):
    data = {} if blank is None else {"topic": blank}
    assert one_message(errors_of(TEXT, data), "topic") == "is required"


def test_optional_field_may_be_left_out():
    schema = [{"name": "notes", "type": "text", "max": 5}]
    assert validate_details(schema, {}) == {}
    assert validate_details(schema, {"notes": ""}) == {}
    assert validate_details(schema, {"notes": None}) == {}


# --------------------------------------------------------------------------- integer

PAGES = [{"name": "pages", "type": "integer", "required": True, "min": 1, "max": 200}]


@pytest.mark.parametrize("raw, expected", [(1, 1), (200, 200), ("12", 12), (" 7 ", 7), (3.0, 3)])
def test_integer_accepts_whole_numbers(raw, expected):
    clean = validate_details(PAGES, {"pages": raw})
    assert clean == {"pages": expected}
    assert type(clean["pages"]) is int


@pytest.mark.parametrize("raw", ["3.5", 3.5, "abc", "1e3", True, False, [1], {"n": 1}])
def test_integer_rejects_what_is_not_a_whole_number(raw):
    assert one_message(errors_of(PAGES, {"pages": raw}), "pages") == "must be a whole number"


def test_integer_bounds_are_inclusive_and_named():
    assert one_message(errors_of(PAGES, {"pages": 0}), "pages") == "must be at least 1"
    assert one_message(errors_of(PAGES, {"pages": "201"}), "pages") == "must be at most 200"
    assert one_message(errors_of(PAGES, {"pages": -5}), "pages") == "must be at least 1"


# --------------------------------------------------------------------------- number (Decimal)

BUDGET = [{"name": "budget", "type": "number", "required": True, "min": "0.1", "max": 0.3}]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0.1", "0.1"),
        (0.1, "0.1"),  # a JSON float is read through its short repr, not its binary value
        (Decimal("0.25"), "0.25"),
        ("0.30", "0.30"),  # trailing zeros kept: the exact amount the user typed
        (" 0.2 ", "0.2"),
    ],
)
def test_number_is_exact_decimal_text(raw, expected):
    clean = validate_details(BUDGET, {"budget": raw})
    assert clean == {"budget": expected}
    assert isinstance(clean["budget"], str)
    assert Decimal(clean["budget"]) == Decimal(expected)


def test_number_keeps_large_values_exactly():
    schema = [{"name": "budget", "type": "number"}]
    raw = "12345678901234567890.123456789"
    assert validate_details(schema, {"budget": raw}) == {"budget": raw}
    assert validate_details(schema, {"budget": 7}) == {"budget": "7"}


def test_number_bounds_compare_as_decimals_not_floats():
    # 0.1 + 0.2 style surprises: 0.3 is the max, and exactly 0.3 must pass.
    assert validate_details(BUDGET, {"budget": "0.3"}) == {"budget": "0.3"}
    assert validate_details(BUDGET, {"budget": "0.1"}) == {"budget": "0.1"}
    assert one_message(errors_of(BUDGET, {"budget": "0.30000000000000001"}), "budget") == (
        "must be at most 0.3"
    )
    assert one_message(errors_of(BUDGET, {"budget": "0.0999999999999"}), "budget") == (
        "must be at least 0.1"
    )


@pytest.mark.parametrize("raw", ["abc", "1,5", "NaN", "Infinity", "-inf", True, [1]])
def test_number_rejects_non_numbers(raw):
    assert one_message(errors_of(BUDGET, {"budget": raw}), "budget") == "must be a number"


# --------------------------------------------------------------------------- date

DUE = [{"name": "due", "type": "date", "required": True, "min": "2024-01-01", "max": "2024-12-31"}]


def test_date_accepts_iso_text_and_date_objects():
    assert validate_details(DUE, {"due": "2024-05-01"}) == {"due": "2024-05-01"}
    assert validate_details(DUE, {"due": dt.date(2024, 1, 1)}) == {"due": "2024-01-01"}
    assert validate_details(DUE, {"due": "2024-12-31"}) == {"due": "2024-12-31"}


@pytest.mark.parametrize("raw", ["2024-02-30", "01/05/2024", "2024/05/01", "tomorrow", True])
def test_date_rejects_non_dates(raw):
    assert one_message(errors_of(DUE, {"due": raw}), "due") == "must be a date (YYYY-MM-DD)"


def test_date_bounds_are_named():
    assert one_message(errors_of(DUE, {"due": "2023-12-31"}), "due") == "must be at least 2024-01-01"
    assert one_message(errors_of(DUE, {"due": "2025-01-01"}), "due") == "must be at most 2024-12-31"


# --------------------------------------------------------------------------- choice

SUBJECT = [{"name": "subject", "type": "choice", "required": True, "choices": ["history", "law"]}]


def test_choice_accepts_listed_values():
    assert validate_details(SUBJECT, {"subject": "law"}) == {"subject": "law"}


@pytest.mark.parametrize("raw", ["physics", "History", "history "])
def test_choice_rejects_other_values_and_lists_the_choices(raw):
    assert one_message(errors_of(SUBJECT, {"subject": raw}), "subject") == (
        "must be one of: history, law"
    )


def test_choice_with_numeric_choices():
    schema = [{"name": "size", "type": "choice", "choices": [1, 2, 3]}]
    assert validate_details(schema, {"size": 2}) == {"size": "2"}
    assert validate_details(schema, {"size": "3"}) == {"size": "3"}
    assert one_message(errors_of(schema, {"size": 4}), "size") == "must be one of: 1, 2, 3"


# --------------------------------------------------------------------------- bool

WAITS = [{"name": "waits", "type": "bool"}]


@pytest.mark.parametrize("raw", [True, "yes", "on", "1", "TRUE", "y", 1])
def test_bool_true_values(raw):
    assert validate_details(WAITS, {"waits": raw}) == {"waits": True}


@pytest.mark.parametrize("raw", [False, "no", "off", "0", "false", "N", 0])
def test_bool_false_values(raw):
    assert validate_details(WAITS, {"waits": raw}) == {"waits": False}


@pytest.mark.parametrize("raw", ["maybe", "2", "si"])
def test_bool_rejects_other_values(raw):
    assert one_message(errors_of(WAITS, {"waits": raw}), "waits") == "must be yes or no"


def test_unticked_checkbox_counts_as_false_only_for_html_forms():
    required = [{"name": "agree", "type": "bool", "required": True}]
    assert one_message(errors_of(required, {}), "agree") == "is required"
    assert validate_details(required, {}, bool_absent_is_false=True) == {"agree": False}
    assert validate_details(WAITS, {}) == {}
    assert validate_details(WAITS, {}, bool_absent_is_false=True) == {"waits": False}


# --------------------------------------------------------------------------- file

SCAN = [{"name": "scan", "type": "file", "required": True}]


def test_file_field_holds_a_file_reference_as_text():
    assert validate_details(SCAN, {"scan": " brief.pdf "}) == {"scan": "brief.pdf"}
    assert one_message(errors_of(SCAN, {"scan": {"name": "brief.pdf"}}), "scan") == "must be text"
    assert one_message(errors_of(SCAN, {}), "scan") == "is required"


# --------------------------------------------------------------------------- whole-form behaviour


def test_unknown_fields_are_rejected_by_name():
    errors = errors_of(WAITS, {"waits": True, "colour": "red", "Waits": "yes"})
    assert one_message(errors, "colour") == "is not a field of this service"
    assert one_message(errors, "Waits") == "is not a field of this service"
    assert "waits" not in errors


@pytest.mark.parametrize("data", [None, [], "quantity=5", 5])
def test_details_must_be_an_object(data):
    assert one_message(errors_of(TEXT, data), "details") == "must be an object of field values"


def test_several_bad_fields_give_one_entry_each():
    schema = TEXT + PAGES + BUDGET + DUE + SUBJECT + WAITS + SCAN
    data = {
        "topic": "abc",  # too short
        "pages": "many",  # not a number
        "budget": "5",  # above max
        "due": "2024-13-01",  # not a date
        "subject": "physics",  # not a choice
        "waits": "perhaps",  # not a bool
        # scan missing, but required
        "extra": 1,  # unknown
    }
    errors = errors_of(schema, data)
    assert set(errors) == {"topic", "pages", "budget", "due", "subject", "waits", "scan", "extra"}
    for field, messages in errors.items():
        assert len(messages) == 1, (field, messages)
        assert all(isinstance(m, str) and m for m in messages)


def test_good_fields_alongside_a_bad_one_still_fail_as_a_whole():
    schema = TEXT + PAGES
    errors = errors_of(schema, {"topic": "A topic", "pages": 0})
    assert list(errors) == ["pages"]


def test_validation_error_text_names_each_field():
    with pytest.raises(ValidationFailed) as info:
        validate_details(TEXT + PAGES, {"pages": "x"})
    assert "topic: is required" in str(info.value)
    assert "pages: must be a whole number" in str(info.value)


def test_demo_service_schemas_are_valid():
    from seed.demo import SERVICES

    for spec in SERVICES:
        assert check_schema(spec["form_schema"]) == [], spec["code"]


# --------------------------------------------------------------------------- check_schema

VALID = [
    {"name": "topic", "label": "Topic", "type": "text", "required": True, "min": 1, "max": 9,
     "help": "What it is about"},
    {"name": "kind", "type": "choice", "choices": ["a", "b"]},
]


def test_check_schema_accepts_a_valid_schema():
    assert check_schema(VALID) == []
    assert check_schema([]) == []


@pytest.mark.parametrize("schema", [None, {"name": "x", "type": "text"}, "[]", 5])
def test_check_schema_needs_a_list(schema):
    assert check_schema(schema) == ["The form schema must be a list of fields."]


def test_check_schema_entries_must_be_objects():
    assert check_schema(VALID + ["topic"]) == ["field 3: must be an object."]


@pytest.mark.parametrize("bad_type", ["string", "Text", "float", None, ""])
def test_check_schema_rejects_unknown_types(bad_type):
    schema = [{"name": "x", "type": bad_type}]
    problems = check_schema(schema)
    assert len(problems) == 1
    assert problems[0].startswith("field 1: 'type' must be one of ")
    for allowed in ("text", "number", "integer", "date", "choice", "bool", "file"):
        assert allowed in problems[0]


def test_check_schema_rejects_a_missing_type():
    assert len(check_schema([{"name": "x"}])) == 1


@pytest.mark.parametrize("name", [None, "", "my field", "1st", "a-b", 5])
def test_check_schema_needs_identifier_names(name):
    field = {"type": "text"} if name is None else {"name": name, "type": "text"}
    assert check_schema([field]) == ["field 1: 'name' must be an identifier."]


def test_check_schema_rejects_duplicate_names():
    schema = [
        {"name": "topic", "type": "text"},
        {"name": "pages", "type": "integer"},
        {"name": "topic", "type": "integer"},
    ]
    assert check_schema(schema) == ["field 3: duplicate name 'topic'."]


@pytest.mark.parametrize("choices", [None, [], ""])
def test_check_schema_choice_needs_choices(choices):
    field = {"name": "subject", "type": "choice"}
    if choices is not None:
        field["choices"] = choices
    assert check_schema([field]) == ["field 1: a choice field needs 'choices'."]


def test_check_schema_rejects_unknown_keys_listing_them():
    schema = [{"name": "x", "type": "text", "maxlength": 5, "default": "a"}]
    assert check_schema(schema) == ["field 1: unknown keys default, maxlength."]


def test_check_schema_reports_every_problem_with_its_field_number():
    schema = [
        {"name": "ok", "type": "text"},
        {"name": "bad name", "type": "text"},
        {"name": "ok", "type": "wat"},
        {"name": "pick", "type": "choice", "colour": "red"},
    ]
    problems = check_schema(schema)
    assert problems[0] == "field 2: 'name' must be an identifier."
    assert "field 3: duplicate name 'ok'." in problems
    assert any(p.startswith("field 3: 'type' must be one of") for p in problems)
    assert "field 4: a choice field needs 'choices'." in problems
    assert "field 4: unknown keys colour." in problems
    assert len(problems) == 5


@pytest.mark.parametrize(
    "field, key",
    [
        ({"name": "n", "type": "integer", "min": "5"}, "min"),
        ({"name": "n", "type": "integer", "max": 2.5}, "max"),
        ({"name": "b", "type": "number", "min": "lots"}, "min"),
        ({"name": "t", "type": "text", "max": "10"}, "max"),
        ({"name": "d", "type": "date", "min": "soon"}, "min"),
    ],
)
def test_check_schema_rejects_bounds_of_the_wrong_type(field, key):
    problems = check_schema([field])
    assert len(problems) == 1, problems
    assert problems[0].startswith("field 1:") and f"'{key}'" in problems[0]


def test_check_schema_rejects_min_above_max():
    problems = check_schema([{"name": "n", "type": "integer", "min": 10, "max": 1}])
    assert problems == ["field 1: 'min' is greater than 'max'."]


@pytest.mark.parametrize(
    "field, value",
    [
        ({"name": "n", "type": "integer", "min": "5"}, 3),
        ({"name": "t", "type": "text", "max": "10"}, "abc"),
        ({"name": "d", "type": "date", "min": "soon"}, "2024-01-01"),
    ],
)
def test_a_broken_bound_never_crashes_validation(field, value):
    """A schema stored before check_schema knew about bounds must not turn orders into 500s."""
    try:
        validate_details([field], {field["name"]: value})
    except ValidationFailed:
        pass


# --------------------------------------------------------------------------- through the app


@pytest.fixture
def ids(app):
    from app.extensions import db
    from app.models import Customer, Service

    with app.app_context():
        services = {s.code: s.id for s in db.session.execute(select(Service)).scalars()}
        customers = {c.name: c.id for c in db.session.execute(select(Customer)).scalars()}
    return {"services": services, "customers": customers}


def order_count(app, **where) -> int:
    from app.extensions import db
    from app.models import Order

    with app.app_context():
        query = select(func.count(Order.id))
        for key, value in where.items():
            query = query.where(getattr(Order, key) == value)
        return db.session.execute(query).scalar_one()


def unique_title(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"


def test_api_order_without_required_detail_is_422_naming_it(app, client, ids):
    login(client, "manager")
    title = unique_title("api missing qty")
    response = client.post(
        "/api/v1/order/",
        json={
            "service": ids["services"]["GMAIL-ACC"],
            "customer": ids["customers"]["PT Maju Jaya"],
            "title": title,
            "details": {},
        },
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["message"] == {"details.quantity": ["is required"]}
    assert order_count(app, title=title) == 0


def test_api_order_reports_each_bad_detail_once(app, client, ids):
    login(client, "manager")
    title = unique_title("api bad details")
    response = client.post(
        "/api/v1/order/",
        json={
            "service": ids["services"]["GMAIL-ACC"],
            "customer": ids["customers"]["PT Maju Jaya"],
            "title": title,
            "details": {"quantity": 5000, "notes": 42, "colour": "red"},
        },
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == {
        "details.quantity": ["must be at most 1000"],
        "details.notes": ["must be text"],
        "details.colour": ["is not a field of this service"],
    }
    assert order_count(app, title=title) == 0


def test_api_order_with_quantity_is_created_with_a_number(app, client, ids):
    login(client, "manager")
    title = unique_title("api good order")
    response = client.post(
        "/api/v1/order/",
        json={
            "service": ids["services"]["GMAIL-ACC"],
            "customer": ids["customers"]["PT Maju Jaya"],
            "title": title,
            "details": {"quantity": 5},
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["result"]["details"] == {"quantity": 5}
    assert body["result"]["quantity"] == 5
    shown = client.get(f"/api/v1/order/{body['id']}").get_json()["result"]
    assert shown["title"] == title
    assert shown["number"].startswith("ST-")
    assert len(shown["number"]) == len("ST-000123") and shown["number"][3:].isdigit()
    assert order_count(app, title=title) == 1


def test_api_number_detail_is_stored_as_exact_decimal_text(client, ids):
    login(client, "manager")
    response = client.post(
        "/api/v1/order/",
        json={
            "service": ids["services"]["WEB-PROJECT"],
            "customer": ids["customers"]["PT Maju Jaya"],
            "title": unique_title("api decimal budget"),
            "details": {"brief": "A landing page for a bakery", "budget": 0.1},
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    shown = client.get(f"/api/v1/order/{response.get_json()['id']}").get_json()["result"]
    assert shown["details"]["budget"] == "0.1"


def test_customer_order_form_page_renders(client):
    login(client, "customer")
    response = client.get("/shop/order/GMAIL-ACC")
    assert response.status_code == 200
    assert "How many accounts" in response.get_data(as_text=True)


def test_customer_form_missing_quantity_shows_message_and_creates_nothing(
    app, client
):
    login(client, "customer")
    title = unique_title("shop missing qty")
    response = client.post("/shop/order/GMAIL-ACC", data={"title": title, "notes": "please"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is required" in html
    assert "Please correct the marked fields." in html
    assert order_count(app, title=title) == 0


def test_customer_form_bad_quantity_names_the_bound(app, client):
    login(client, "customer")
    title = unique_title("shop qty zero")
    response = client.post("/shop/order/GMAIL-ACC", data={"title": title, "quantity": "0"})
    assert response.status_code == 200
    assert "must be at least 1" in response.get_data(as_text=True)
    assert order_count(app, title=title) == 0


def test_customer_form_with_quantity_places_the_order(app, client):
    login(client, "customer")
    title = unique_title("shop good order")
    response = client.post("/shop/order/GMAIL-ACC", data={"title": title, "quantity": "3"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/shop/my-orders")
    assert order_count(app, title=title) == 1
    mine = client.get("/api/v1/order/").get_json()["result"]
    placed = [o for o in mine if o["title"] == title]
    assert len(placed) == 1
    assert placed[0]["quantity"] == 3
    assert placed[0]["details"] == {"quantity": 3}
    assert placed[0]["customer"]["name"] == "Citra Customer"

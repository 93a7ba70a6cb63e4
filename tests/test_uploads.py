"""Uploading files to orders through the REST API and the order page: what is stored,
what is refused (with a message naming the field) and who may upload where."""
from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Customer, Order, Service
from app.services.orders import create_order
from helpers import login, make_app

API = "/api/v1/attachment/upload/{}"
VIEW = "/attachmentview/upload/{}"


def new_order_for(app, customer_name: str) -> int:
    with app.app_context():
        order = create_order(
            db.session,
            service=db.session.execute(select(Service).where(Service.code == "GMAIL-ACC")).scalar_one(),
            customer=db.session.execute(
                select(Customer).where(Customer.name == customer_name)
            ).scalar_one(),
            details={"quantity": 1},
            title=f"upload target {uuid.uuid4().hex[:10]}",
        )
        db.session.commit()
        return order.id


@pytest.fixture
def company_order(app) -> int:
    """An order of the company customer, which the demo 'customer' login must not see."""
    return new_order_for(app, "PT Maju Jaya")


@pytest.fixture
def own_order(app) -> int:
    """An order of Citra Customer, the demo 'customer' login."""
    return new_order_for(app, "Citra Customer")


def attachments_of(app, order_id: int) -> list[Attachment]:
    with app.app_context():
        rows = db.session.execute(
            select(Attachment).where(Attachment.order_id == order_id).order_by(Attachment.id)
        ).scalars().all()
        db.session.expunge_all()
        return rows


def upload(client, url, data: bytes, filename: str, **form):
    payload = {"file": (io.BytesIO(data), filename)}
    payload.update({k: str(v) for k, v in form.items()})
    return client.post(url, data=payload, content_type="multipart/form-data")


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return [(category, str(message)) for category, message in session.pop("_flashes", [])]


def upload_root(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"]).resolve()


# --------------------------------------------------------------------------- stored


def test_api_upload_stores_the_file_and_download_returns_it(app, client, company_order):
    login(client, "manager")
    content = b"Brief for the order\n" + os.urandom(2000)
    response = upload(client, API.format(company_order), content, "brief.txt", kind="brief",
                      visible_to_customer="true")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["result"] == {"original_name": "brief.txt", "size": len(content)}

    [stored] = attachments_of(app, company_order)
    assert stored.id == body["id"]
    assert stored.kind == "brief"
    assert stored.size == len(content)
    assert stored.visible_to_customer is True
    path = (upload_root(app) / stored.file).resolve()
    assert path.read_bytes() == content

    download = client.get(f"/attachmentview/download/{stored.id}")
    assert download.status_code == 200
    assert download.data == content
    assert "brief.txt" in download.headers["Content-Disposition"]


def test_api_upload_visible_flag_defaults_to_hidden_for_staff(app, client, company_order):
    login(client, "manager")
    response = upload(client, API.format(company_order), b"guide", "guide.pdf", kind="work_guide")
    assert response.status_code == 201
    [stored] = attachments_of(app, company_order)
    assert stored.visible_to_customer is False


def test_view_upload_stores_the_file(app, client, company_order):
    login(client, "manager")
    content = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    response = upload(client, VIEW.format(company_order), content, "Proof.PNG",
                      kind="proof_of_completion", visible_to_customer="y")
    assert response.status_code == 302
    assert flashes(client) == [("success", "File uploaded.")]
    [stored] = attachments_of(app, company_order)
    assert stored.original_name == "Proof.PNG"
    assert stored.size == len(content)
    assert stored.kind == "proof_of_completion"
    assert stored.visible_to_customer is True
    download = client.get(f"/attachmentview/download/{stored.id}")
    assert download.status_code == 200
    assert download.data == content


# --------------------------------------------------------------------------- refused


def test_api_too_large_file_is_422_naming_file(app, client, company_order):
    login(client, "manager")
    limit = int(app.config["MAX_UPLOAD_BYTES"])
    assert limit < int(app.config["MAX_CONTENT_LENGTH"])
    response = upload(client, API.format(company_order), b"x" * (limit + 1), "big.txt", kind="other")
    assert response.status_code == 422
    [message] = response.get_json()["message"]["file"]
    assert message.startswith("is larger than the limit")
    assert attachments_of(app, company_order) == []


@pytest.fixture(scope="module")
def small_app(database_url, tmp_path_factory):
    """A second app on the same database with a 1 KiB file limit."""
    return make_app(database_url, tmp_path_factory.mktemp("small-uploads"),
                    MAX_UPLOAD_BYTES=1024, MAX_CONTENT_LENGTH=64 * 1024)


def test_limit_is_inclusive(app, small_app, company_order):
    client = login(small_app.test_client(), "manager")
    exact = upload(client, API.format(company_order), b"a" * 1024, "exact.txt", kind="other")
    assert exact.status_code == 201, exact.get_data(as_text=True)
    over = upload(client, API.format(company_order), b"a" * 1025, "over.txt", kind="other")
    assert over.status_code == 422
    assert list(over.get_json()["message"]) == ["file"]
    assert [a.original_name for a in attachments_of(app, company_order)] == ["exact.txt"]


def test_view_too_large_file_is_refused_with_a_message(app, small_app, company_order):
    client = login(small_app.test_client(), "manager")
    response = upload(client, VIEW.format(company_order), b"a" * 1025, "over.txt", kind="other")
    assert response.status_code == 302
    [(category, message)] = flashes(client)
    assert category == "danger"
    assert message.startswith("file: is larger than the limit")
    assert attachments_of(app, company_order) == []


def test_api_body_over_request_limit_is_413(app, small_app, company_order):
    client = login(small_app.test_client(), "manager")
    response = upload(client, API.format(company_order), b"a" * (70 * 1024), "huge.txt", kind="other")
    assert response.status_code == 413


@pytest.mark.parametrize("filename", ["run.exe", "page.html", "script.php", "archive.tar.gz",
                                      "noextension", "evil.txt.sh"])
def test_api_disallowed_extension_is_422(app, client, company_order, filename):
    login(client, "manager")
    response = upload(client, API.format(company_order), b"data", filename, kind="other")
    assert response.status_code == 422
    [message] = response.get_json()["message"]["file"]
    assert "is not allowed" in message
    assert "pdf" in message  # the allowed types are listed
    assert attachments_of(app, company_order) == []


def test_view_disallowed_extension_is_refused(app, client, company_order):
    login(client, "manager")
    response = upload(client, VIEW.format(company_order), b"MZ", "run.exe", kind="other")
    assert response.status_code == 302
    [(category, message)] = flashes(client)
    assert category == "danger"
    assert message.startswith("file: type '.exe' is not allowed")
    assert attachments_of(app, company_order) == []


def test_api_empty_file_is_422(app, client, company_order):
    login(client, "manager")
    response = upload(client, API.format(company_order), b"", "empty.txt", kind="other")
    assert response.status_code == 422
    assert response.get_json()["message"] == {"file": ["is empty"]}
    assert attachments_of(app, company_order) == []


def test_view_empty_file_is_refused(app, client, company_order):
    login(client, "manager")
    upload(client, VIEW.format(company_order), b"", "empty.txt", kind="other")
    assert flashes(client) == [("danger", "file: is empty")]
    assert attachments_of(app, company_order) == []


def test_api_missing_file_is_422(app, client, company_order):
    login(client, "manager")
    response = client.post(API.format(company_order), data={"kind": "other"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.get_json()["message"]
    assert attachments_of(app, company_order) == []


def test_view_missing_file_is_refused(app, client, company_order):
    login(client, "manager")
    client.post(VIEW.format(company_order), data={"kind": "other"},
                content_type="multipart/form-data")
    assert flashes(client) == [("danger", "file: is required")]
    assert attachments_of(app, company_order) == []


@pytest.mark.parametrize("kind", ["invoice", "", "BRIEF"])
def test_api_unknown_kind_is_422(app, client, company_order, kind):
    login(client, "manager")
    response = upload(client, API.format(company_order), b"data", "a.txt", kind=kind)
    assert response.status_code == 422
    [message] = response.get_json()["message"]["kind"]
    assert message.startswith("must be one of: brief")
    assert attachments_of(app, company_order) == []


def test_view_unknown_kind_is_refused(app, client, company_order):
    login(client, "manager")
    upload(client, VIEW.format(company_order), b"data", "a.txt", kind="invoice")
    [(category, message)] = flashes(client)
    assert category == "danger" and message.startswith("kind: must be one of")
    assert attachments_of(app, company_order) == []


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    "filename, shown",
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("../../../../../../../../tmp/x/../../root.csv", "root.csv"),
        ("/etc/cron.d/job.csv", "job.csv"),
    ],
)
def test_path_traversal_name_is_stored_under_a_generated_name(
    app, client, company_order, filename, shown
):
    login(client, "manager")
    response = upload(client, API.format(company_order), b"not a password file", filename,
                      kind="other")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["result"]["original_name"] == shown

    [stored] = attachments_of(app, company_order)
    assert stored.original_name == shown
    assert ".." not in stored.file and "\\" not in stored.file
    assert not os.path.isabs(stored.file)
    assert shown.rsplit(".", 1)[0] not in stored.file  # the user's name is not the path
    root = upload_root(app)
    path = (root / stored.file).resolve()
    assert root in path.parents
    assert path.read_bytes() == b"not a password file"

    download = client.get(f"/attachmentview/download/{stored.id}")
    assert download.status_code == 200
    assert download.data == b"not a password file"
    disposition = download.headers["Content-Disposition"]
    assert shown in disposition and "/" not in disposition and ".." not in disposition


@pytest.mark.parametrize(
    "filename, shown",
    [
        ("..\\..\\windows\\win.txt", "win.txt"),  # a Windows path as old browsers send it
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("../a<b>|c?.txt", "abc.txt"),
    ],
)
def test_display_name_has_no_directories(filename, shown):
    from app.services.attachments import display_name

    assert display_name(filename) == shown


def test_view_path_traversal_name_stays_inside_upload_folder(app, client, company_order):
    login(client, "manager")
    upload(client, VIEW.format(company_order), b"payload", "../../../outside.txt", kind="other")
    assert flashes(client) == [("success", "File uploaded.")]
    [stored] = attachments_of(app, company_order)
    assert stored.original_name == "outside.txt"
    root = upload_root(app)
    assert root in (root / stored.file).resolve().parents
    assert not (root.parent.parent / "outside.txt").exists()
    assert not (root.parent / "outside.txt").exists()


# --------------------------------------------------------------------------- who may upload


def test_customer_cannot_upload_to_someone_elses_order_via_api(app, login_as, company_order):
    client = login_as("customer")
    response = upload(client, API.format(company_order), b"data", "a.txt", kind="brief",
                      visible_to_customer="true")
    assert response.status_code == 404
    assert attachments_of(app, company_order) == []


def test_customer_cannot_upload_to_someone_elses_order_via_view(app, login_as, company_order):
    client = login_as("customer")
    response = upload(client, VIEW.format(company_order), b"data", "a.txt", kind="brief")
    assert response.status_code == 404
    assert attachments_of(app, company_order) == []


def test_upload_to_a_missing_order_is_404(app, client):
    login(client, "manager")
    with app.app_context():
        missing = (db.session.execute(select(func.max(Order.id))).scalar() or 0) + 1000
    assert upload(client, API.format(missing), b"data", "a.txt", kind="other").status_code == 404
    assert upload(client, VIEW.format(missing), b"data", "a.txt", kind="other").status_code == 404


@pytest.mark.parametrize("visible", [None, "false", "0"])
def test_customer_api_uploads_are_always_visible_to_customer(app, login_as, own_order, visible):
    client = login_as("customer")
    form = {"kind": "payment_proof"}
    if visible is not None:
        form["visible_to_customer"] = visible
    response = upload(client, API.format(own_order), b"%PDF-1.4 receipt", "receipt.pdf", **form)
    assert response.status_code == 201, response.get_data(as_text=True)
    [stored] = attachments_of(app, own_order)
    assert stored.visible_to_customer is True
    # ... so the customer can fetch it again.
    download = client.get(f"/attachmentview/download/{stored.id}")
    assert download.status_code == 200
    assert download.data == b"%PDF-1.4 receipt"


def test_customer_view_uploads_are_always_visible_to_customer(app, login_as, own_order):
    client = login_as("customer")
    response = upload(client, VIEW.format(own_order), b"receipt", "receipt.jpg", kind="payment_proof")
    assert response.status_code == 302
    assert flashes(client) == [("success", "File uploaded.")]
    [stored] = attachments_of(app, own_order)
    assert stored.visible_to_customer is True


def test_customer_cannot_download_a_hidden_attachment(app, client, login_as, own_order):
    login(client, "manager")
    response = upload(client, API.format(own_order), b"internal", "internal.txt", kind="work_guide")
    assert response.status_code == 201
    customer = login_as("customer")
    assert customer.get(f"/attachmentview/download/{response.get_json()['id']}").status_code == 404

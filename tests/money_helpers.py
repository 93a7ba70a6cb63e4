"""Helpers for the money tests: orders to pay, and a tiny real HTTP server on loopback that
plays the providers' APIs (Midtrans Snap, Xendit invoices, YooKassa payments/refunds)."""
from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Service


def new_order(app, *, code="GMAIL-ACC", customer="customer", price=None, title=None, state=None, currency=None,
              **fields) -> int:
    """A fresh order (own title) for the demo customer; returns its id."""
    from app.services.orders import create_order

    with app.app_context():
        service = db.session.execute(select(Service).where(Service.code == code)).scalar_one()
        if customer == "customer":
            cust = db.session.execute(select(Customer).where(Customer.user.has(username="customer"))).scalar_one()
        else:
            cust = db.session.execute(select(Customer).where(Customer.name == customer)).scalar_one()
        details = {"quantity": 2} if code == "GMAIL-ACC" else None
        if details is None:
            raise ValueError("give a GMAIL-ACC order or extend new_order")
        order = create_order(db.session, service=service, customer=cust, details=details,
                             title=title or f"Money test {uuid.uuid4().hex[:8]}", **fields)
        if price is not None:
            order.price = Decimal(price)
        if state is not None:
            order.state = state
        if currency is not None:
            order.currency = currency
        db.session.commit()
        return order.id


class FakeProviders:
    """Records every request; answers like the providers' documented APIs."""

    def __init__(self):
        self.requests: list[dict] = []
        self.yookassa: dict[str, dict] = {}  # payment id -> the object GET returns
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, data):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                entry = {"method": self.command, "path": self.path, "headers": dict(self.headers),
                         "body": json.loads(raw) if raw else None}
                outer.requests.append(entry)
                return entry

            def do_POST(self):
                req = self._record()
                body = req["body"] or {}
                if self.path == "/snap/v1/transactions":
                    token = uuid.uuid4().hex
                    return self._answer(201, {"token": token,
                                              "redirect_url": f"https://app.sandbox.midtrans.com/snap/v4/redirection/{token}"})
                if self.path == "/v2/invoices":
                    inv = uuid.uuid4().hex[:24]
                    return self._answer(200, {"id": inv, "external_id": body.get("external_id"), "status": "PENDING",
                                              "invoice_url": f"https://checkout.xendit.co/web/{inv}"})
                if self.path == "/v3/payments":
                    pid = str(uuid.uuid4())
                    obj = {"id": pid, "status": "pending", "paid": False, "amount": body["amount"],
                           "confirmation": {"type": "redirect",
                                            "confirmation_url": f"https://yoomoney.ru/checkout/payments/v2/contract?orderId={pid}"},
                           "metadata": body.get("metadata")}
                    outer.yookassa[pid] = obj
                    return self._answer(200, obj)
                if self.path == "/v3/refunds":
                    return self._answer(200, {"id": str(uuid.uuid4()), "status": "succeeded",
                                              "payment_id": body.get("payment_id"), "amount": body.get("amount")})
                if self.path.startswith("/v2/") and self.path.endswith("/refund"):
                    return self._answer(200, {"status_code": "200", "refund_key": body.get("refund_key")})
                return self._answer(404, {"error": "not found"})

            def do_GET(self):
                self._record()
                if self.path.startswith("/v3/payments/"):
                    obj = outer.yookassa.get(self.path.rsplit("/", 1)[-1])
                    if obj is None:
                        return self._answer(404, {"type": "error", "code": "not_found"})
                    return self._answer(200, obj)
                return self._answer(404, {"error": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

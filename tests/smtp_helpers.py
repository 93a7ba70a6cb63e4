"""A real SMTP server on loopback (aiosmtpd) for tests that check what e-mail was sent.

    with smtp_server(app) as inbox:   # points MAIL_SERVER / MAIL_PORT of ``app`` at it
        ...
        inbox.to("someone@example.com")  -> [email.message.EmailMessage, ...]
        inbox.stop()      # the mail server goes away ...
        inbox.restart()   # ... and comes back on the same port
"""
from __future__ import annotations

import contextlib
import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self, port: int):
        self.port = port
        self.messages = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for rcpts, m in self.messages if address in rcpts]

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            controller, self.controller = self.controller, None
            controller.stop()

    def restart(self) -> None:
        self.stop()
        self.start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def smtp_server(app):
    port = free_port()
    inbox = Inbox(port)
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=3)
    inbox.start()
    try:
        yield inbox
    finally:
        inbox.stop()
        app.config.update(saved)

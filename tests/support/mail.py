"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

import email
import email.policy
import threading
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from tests.support.worker import free_port

REFUSAL = "550 5.7.1 Mailbox unavailable (refused by the test)"


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses every recipient (``refuse``)."""

    def __init__(self):
        self.messages = []
        self.refuse = False
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:  # True, or the reply to refuse with ("451 4.3.0 Try later")
            return self.refuse if isinstance(self.refuse, str) else REFUSAL
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(
                {
                    "to": list(envelope.rcpt_tos),
                    "subject": str(message["Subject"]),
                    "message_id": str(message["Message-ID"]),
                    # A multipart message (Apprise's mail has text and HTML): its text part.
                    "body": message.get_body(preferencelist=("plain", "html")).get_content(),
                    "headers": dict(message.items()),
                }
            )
        return "250 Message accepted"

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in m["to"]]


@contextmanager
def smtp_sink():
    """A running SMTP server's Inbox (``.port`` set); stopped after."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()

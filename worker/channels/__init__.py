"""Notification channels: email (SMTP), a signed webhook, and Web Push.

Each ``send_*`` either returns (sent) or raises ``DeliveryError`` with a short reason that
names no patient data; the delivery task records it and decides whether to retry.
"""


class DeliveryError(Exception):
    """A notification could not be sent; ``permanent`` means retrying cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason[:500])
        self.permanent = permanent

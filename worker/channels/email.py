"""Email over SMTP (smtplib), with a bounded timeout."""

import re
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import current_app

from . import DeliveryError


def send_email(
    to: str, subject: str, text: str, message_id: str | None = None, headers: dict | None = None
) -> None:
    """Send one plain-text email through the configured SMTP server.

    ``message_id``: a stable one (an alert delivery's, ``content.message_id``), else a new one.
    ``headers``: more headers (a reminder's List-Unsubscribe).
    """
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="waypoint")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    smtp = None
    try:
        smtp = smtplib.SMTP(
            config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["NOTIFY_TIMEOUT_SECONDS"]
        )
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD", ""))
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        raise DeliveryError(
            f"SMTP refused the recipient ({', '.join(map(str, codes))})",
            permanent=all(map(_permanent, codes)),
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", permanent=_permanent(exc.smtp_code)
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP unavailable: {type(exc).__name__}") from None
    finally:
        if smtp is not None:
            _close(smtp)


#: Refusals of the server's own sign-in (RFC 4954): a setting the operator can mend while
#: the retries last, so they are retried like a server that is down.
_SIGN_IN_CODES = frozenset({530, 534, 535, 538})


def _permanent(code: int) -> bool:
    """Whether an SMTP reply refuses for good (RFC 5321 4.2.1: a 5yz reply is a permanent
    negative one, "the same request will fail again"; 4yz is transient), so that a mailbox
    that does not exist is not tried for 45 minutes before the clinic sees it failed."""
    return 500 <= code < 600 and code not in _SIGN_IN_CODES


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT, ignoring its failure: once the server took the message (its 250 to DATA) it is
    sent, and a failing QUIT must not make it a failed attempt that sends it again."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def sender_domain() -> str:
    """The domain of ``SMTP_FROM`` (where Message-IDs are made), or "waypoint"."""
    domain = parseaddr(current_app.config["SMTP_FROM"])[1].rpartition("@")[2]
    return domain or "waypoint"


#: An address in a server's answer ("550 <jo@example.org>: mailbox full"). The reason is kept
#: as ``last_error``, which the clinic reads; the recipient may be a patient.
_ADDRESS = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")


def _text(value) -> str:
    """A server's answer for ``last_error``: short, with any address in it blanked."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return _ADDRESS.sub("(address)", str(value))[:200]

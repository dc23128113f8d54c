"""QR codes as SVG text, for links a phone should open: a patient's invite, an authenticator's
otpauth:// set-up link.

Drawn here (segno, pure Python) and sent inside the JSON answer that carries the link, so the
secret never travels in a URL of its own (an image GET would put it in logs and history).
The browser shows the text as an ``<img>`` of a ``data:`` URL: an image cannot run script.
"""

import io

import segno


def qr_svg(text: str) -> str:
    """A standalone SVG document of ``text`` as a QR code (error correction M, 4-module border)."""
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    # Dark on white, a quiet zone of four modules: what phone cameras read most reliably.
    code.save(out, kind="svg", xmldecl=False, scale=5, border=4, dark="#000", light="#fff")
    return out.getvalue().decode("utf-8")

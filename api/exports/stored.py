"""The FHIR export from stored pieces: each check-in's entries serialized once, then only joined.

A check-in never changes once stored, so its QuestionnaireResponse and Observations are built,
serialized and DEFLATE-compressed at its first export and kept (``CheckinEntries``, under the
digest of the code that builds them). An export reads the patient's pieces in one query,
builds only the missing or outdated ones (and stores them), and joins them between a head
(the Bundle's opening, the Patient, the Questionnaires) and a tail (the sessions, built fresh:
they can be edited). A FHIR server keeping resources as stored text is the usual design (HAPI
FHIR keeps them compressed); what it saves here is building and serializing some 9 MB of JSON
for 500 check-ins at every export (docs/interoperability.md, "Speed").

The answer is the same Bundle ``bundle.build_bundle`` makes, byte for byte but the timestamp
(tests/clinician/test_exports_stored.py). To a client that accepts gzip it is sent as one gzip
member: the pieces' DEFLATE streams end in a sync flush, so they join into one stream, and their
CRC-32s combine without the text (``crc32_combine``, zlib's own method), so nothing is inflated
on the way. Other clients get it inflated (one pass over the joined pieces).
"""

import functools
import hashlib
import json
import struct
import uuid
import zlib
from pathlib import Path

import sqlalchemy as sa

import surveys
from surveys import fhir

from ..errors import NotFound
from ..extensions import db
from ..models import Checkin, CheckinEntries, Patient, TreatmentSession
from ..models.base import dialect_insert
from . import bundle

#: What a check-in's entries are built from, and more: a change to any of these files makes
#: every stored piece outdated (rebuilt at its next export), never silently reused.
SOURCES = (
    (Path(surveys.__file__).parent, ("*.py", "instruments/**/*.json")),
    (Path(__file__).parent, ("*.py",)),
)
#: Pieces upserted per statement (SQLite allows 32,766 parameters; a piece has 7).
UPSERT_ROWS = 500
STORED_COLUMNS = ("digest", "skipped", "body", "crc", "size", "shift")
#: Raw DEFLATE (no zlib or gzip wrapper): the pieces join into one stream.
_RAW = -zlib.MAX_WBITS
#: A gzip member's header: no name, no time, unknown system (RFC 1952).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


@functools.cache
def entries_digest() -> str:
    """The digest of the sources the pieces are built from (and of the canonical base URL)."""
    # By path inside its package, not on this disk: every node of a deployment agrees.
    found = sorted(
        (root.name, path.relative_to(root).as_posix(), path)
        for root, patterns in SOURCES
        for pattern in patterns
        for path in root.glob(pattern)
    )
    if not found:  # no sources to read (compiled only): never reuse a piece across processes
        return uuid.uuid4().hex[:16]
    digest = hashlib.sha256(fhir.CANONICAL_BASE.encode())
    for package, name, path in found:
        digest.update(f"{package}/{name}".encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# CRC-32 arithmetic modulo its polynomial, as zlib's crc32_combine does it (zlib 1.2.12 crc32.c):
# the CRC of A then B is the CRC of A times x^(8 * len(B)), plus the CRC of B.
_POLY = 0xEDB88320  # reflected: bit 31 is x^0


def _multmodp(a: int, b: int) -> int:
    """a(x) * b(x) modulo the CRC-32 polynomial (both reflected)."""
    product, m = 0, 1 << 31
    while a:
        if a & m:
            product ^= b
            a ^= m
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return product


def _powers() -> list[int]:
    """x^(2^n) modulo the polynomial for n = 0..31."""
    power, out = 1 << 30, []  # x^1
    for _ in range(32):
        out.append(power)
        power = _multmodp(power, power)
    return out


_X2N = _powers()


def crc_shift(size: int) -> int:
    """x^(8 * size) modulo the CRC-32 polynomial: what the CRC before ``size`` bytes is times."""
    power, k = 1 << 31, 3  # x^0; the first bit of size counts 2^3 = 8 bits
    while size:
        if size & 1:
            power = _multmodp(_X2N[k % 32], power)
        size >>= 1
        k += 1
    return power


def crc32_combine(crc1: int, crc2: int, shift2: int) -> int:
    """The CRC-32 of A then B from A's CRC, B's CRC and ``crc_shift(len(B))``."""
    return _multmodp(shift2, crc1) ^ crc2


def _deflated(text: bytes, final: bool = False) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, _RAW)
    end = zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH  # a final block, or a byte boundary
    return compressor.compress(text) + compressor.flush(end)


def _dumps(value) -> str:
    # Compact, and no cycle check: the entries are fresh dicts and lists, none holding itself.
    return json.dumps(value, separators=(",", ":"), check_circular=False)


def _joined(entries: list[dict]) -> bytes:
    """``,{entry},{entry}...``: the text that follows entries already in the Bundle."""
    return "".join("," + _dumps(e) for e in entries).encode()


def _piece(checkin: Checkin, asked: bundle.Asked, subject: str, digest: str) -> dict:
    entries = bundle.checkin_entries(checkin, asked, subject)
    text = _joined(entries or [])
    return {
        "checkin_id": checkin.id,
        "digest": digest,
        "skipped": entries is None,
        "body": _deflated(text),
        "crc": zlib.crc32(text),
        "size": len(text),
        "shift": crc_shift(len(text)),
    }


def _store(pieces: list[dict]) -> None:
    """Upsert ``pieces`` (sorted by check-in, so two exports of one patient lock alike)."""
    pieces = sorted(pieces, key=lambda p: p["checkin_id"])
    for n in range(0, len(pieces), UPSERT_ROWS):
        insert = dialect_insert(CheckinEntries).values(pieces[n : n + UPSERT_ROWS])
        replace = {column: insert.excluded[column] for column in STORED_COLUMNS}
        db.session.execute(
            insert.on_conflict_do_update(index_elements=["checkin_id"], set_=replace)
        )


def _pieces(patient: Patient) -> tuple[list, list]:
    """The patient's check-ins' pieces in Bundle order, and their (instrument, version)."""
    digest = entries_digest()
    current = sa.and_(CheckinEntries.checkin_id == Checkin.id, CheckinEntries.digest == digest)
    rows = db.session.execute(
        sa.select(
            Checkin.id,
            Checkin.instrument,
            Checkin.instrument_version,
            CheckinEntries.skipped,
            CheckinEntries.body,
            CheckinEntries.crc,
            CheckinEntries.shift,
            CheckinEntries.size,
        )
        .outerjoin(CheckinEntries, current)
        .where(Checkin.patient_id == patient.id)
        .order_by(Checkin.completed_at, Checkin.id)
    ).all()
    missing = [row.id for row in rows if row.body is None]
    built = {}
    if missing:
        # Held against an erasure until this commits (it deletes the check-ins these pieces
        # name); gone already, the export answers as for any unknown patient.
        held = sa.select(Patient.id).where(Patient.id == patient.id).with_for_update(key_share=True)
        if db.session.scalar(held) is None:
            raise NotFound("No such patient.")
        asked, subject = bundle.Asked(), bundle.subject_of(patient)
        checkins = db.session.scalars(sa.select(Checkin).where(Checkin.id.in_(missing)))
        built = {c.id: _piece(c, asked, subject, digest) for c in checkins}
        _store(list(built.values()))
    pieces = [built[row.id] if row.body is None else row._mapping for row in rows]
    return pieces, [(row.instrument, row.instrument_version) for row in rows]


def export(patient: Patient, sessions: list[TreatmentSession], gzip: bool) -> tuple[bytes, dict]:
    """The patient's Bundle as JSON text (a gzip member if ``gzip``), and its counts."""
    pieces, keys = _pieces(patient)
    opening = _dumps(bundle.bundle_of(bundle.head_entries(patient, keys)))
    assert opening.endswith("]}")
    head = opening[:-2].encode()
    tail = _joined(bundle.session_entries(sessions, bundle.subject_of(patient))) + b"]}"
    skipped = sum(1 for p in pieces if p["skipped"])
    counts = {"checkins": len(pieces) - skipped, "skipped": skipped, "sessions": len(sessions)}
    body = b"".join(p["body"] for p in pieces)
    if not gzip:
        return head + zlib.decompressobj(_RAW).decompress(body) + tail, counts
    crc = zlib.crc32(head)
    for p in pieces:
        crc = crc32_combine(crc, p["crc"], p["shift"])
    crc = zlib.crc32(tail, crc)
    size = len(head) + sum(p["size"] for p in pieces) + len(tail)
    return (
        GZIP_HEADER
        + _deflated(head)
        + body
        + _deflated(tail, final=True)
        + struct.pack("<II", crc, size & 0xFFFFFFFF)
    ), counts

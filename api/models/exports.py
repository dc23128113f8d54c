"""Each check-in's FHIR entries as first serialized, kept so that an export need not rebuild them.

A check-in never changes after it is stored (its answers, time, language and instrument version
are written once), so its QuestionnaireResponse and screening-assessment Observations are the same
at every export for as long as the code that builds them is. ``digest`` names that code
(``api.exports.stored.entries_digest``): a row of another digest is rebuilt at the next export.
A cache only: deleting any or all of these rows loses nothing. Erasing the patient erases them
with the check-ins.
"""

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class CheckinEntries(db.Model):
    """One check-in's Bundle entries: ``,{entry},{entry}...`` as raw DEFLATE, ended by a sync flush
    (so that the pieces of many check-ins join into one stream), with what a gzip trailer needs."""

    __tablename__ = "fhir_checkin_entries"

    checkin_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(sa.String(16))
    #: No QuestionnaireResponse could be built (an imported, prorated check-in lacks items).
    skipped: Mapped[bool]
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: CRC-32 and length of the uncompressed text, and x^(8 * size) modulo the CRC-32 polynomial:
    #: an export combines the pieces' CRCs without reading their text (``stored.crc32_combine``).
    crc: Mapped[int] = mapped_column(sa.BigInteger)
    size: Mapped[int]
    shift: Mapped[int] = mapped_column(sa.BigInteger)

"""Adding, changing and removing a clinic's care-team channels. Flushes only."""

from ..extensions import db
from ..models import Clinic, ClinicChannel
from ..models.channels import RUNGS
from ..outbound import allow_list
from ..sealed import seal
from .urls import read


def _store_url(channel: ClinicChannel, url: str) -> None:
    """Check ``url`` with Apprise (BadChannelURL if refused), then keep it sealed."""
    parsed = read(url, allow_list())
    channel.kind = parsed.kind
    channel.url_sealed = seal(url.strip())
    channel.url_masked = parsed.masked


def add_channel(clinic_id: int, body: dict) -> ClinicChannel:
    """A new active channel of the clinic."""
    channel = ClinicChannel(clinic_id=clinic_id, label=body["label"], rungs=_rungs(body["rungs"]))
    _store_url(channel, body["url"])
    db.session.add(channel)
    db.session.flush()
    refresh_rungs(clinic_id)
    return channel


def update_channel(channel: ClinicChannel, body: dict) -> ClinicChannel:
    """Apply a validated partial change."""
    if "url" in body:
        _store_url(channel, body["url"])
    if "label" in body:
        channel.label = body["label"]
    if "rungs" in body:
        channel.rungs = _rungs(body["rungs"])
    if "active" in body:
        channel.active = body["active"]
    db.session.flush()
    refresh_rungs(channel.clinic_id)
    return channel


def remove_channel(channel: ClinicChannel) -> None:
    """Remove a channel (its past deliveries stay, naming it by number)."""
    db.session.delete(channel)
    db.session.flush()
    refresh_rungs(channel.clinic_id)


def refresh_rungs(clinic_id: int) -> None:
    """Restate ``Clinic.channel_rungs`` from the clinic's active channels.

    The clinic's row is locked first: two admins changing channels at once each read the
    other's committed change after the lock (READ COMMITTED), so neither drops a rung that
    the other's channel covers (an on-call pager silently skipped by ``notify.fan_out``)."""
    # FOR NO KEY UPDATE: it orders two such restatements, and does not wait on the key-share
    # lock that inserting a channel (its foreign key) already took, which would deadlock.
    clinic = db.session.get(
        Clinic, clinic_id, with_for_update={"key_share": True}, populate_existing=True
    )
    rows = db.session.scalars(
        db.select(ClinicChannel.rungs).where(
            ClinicChannel.clinic_id == clinic_id, ClinicChannel.active.is_(True)
        )
    ).all()
    covered = {r for rungs in rows for r in rungs or ()}
    clinic.channel_rungs = [r for r in RUNGS if r in covered]
    db.session.flush()


def _rungs(values) -> list[str]:
    return [r for r in RUNGS if r in set(values)]

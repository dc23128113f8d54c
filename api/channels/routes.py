"""A clinic's care-team channels: Apprise URLs the escalation ladder notifies (admins only)."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..audit import record
from ..auth.policy import policy, require_principal
from ..extensions import db
from ..models import ClinicChannel
from .operations import add_channel, remove_channel, update_channel
from .schemas import ChannelInSchema, ChannelListSchema, ChannelSchema, ChannelUpdateSchema
from .urls import BadChannelURL

blp = Blueprint(
    "channels", __name__, url_prefix="/api/v1/clinic", description="Care-team channels."
)


@blp.route("/channels")
class Channels(MethodView):
    @policy("admin")
    @blp.response(200, ChannelListSchema)
    def get(self):
        """The clinic's channels, their URLs masked."""
        clinic_id = require_principal().clinic_id
        items = db.session.scalars(
            db.select(ClinicChannel)
            .where(ClinicChannel.clinic_id == clinic_id)
            .order_by(ClinicChannel.id)
        ).all()
        return {"items": items}

    @policy("admin")
    @blp.arguments(ChannelInSchema)
    @blp.response(201, ChannelSchema)
    def post(self, body):
        """Add a channel: an Apprise URL Apprise reads and Waypoint may send to."""
        try:
            channel = add_channel(require_principal().clinic_id, body)
        except BadChannelURL as exc:
            _refuse(exc)
        record("clinic.channel.add", object_type="channel", object_id=channel.id, kind=channel.kind)
        return channel


@blp.route("/channels/<int:channel_id>")
class Channel(MethodView):
    @policy("admin")
    @blp.arguments(ChannelUpdateSchema)
    @blp.response(200, ChannelSchema)
    def patch(self, body, channel_id):
        """Change a channel's label, URL, rungs, or turn it off."""
        channel = _channel_or_404(channel_id)
        try:
            update_channel(channel, body)
        except BadChannelURL as exc:
            _refuse(exc)
        record(
            "clinic.channel.update",
            object_type="channel",
            object_id=channel.id,
            fields=sorted(body),
        )
        return channel

    @policy("admin")
    @blp.response(204)
    def delete(self, channel_id):
        """Remove a channel (its past deliveries stay on the alerts' timelines)."""
        channel = _channel_or_404(channel_id)
        remove_channel(channel)
        record("clinic.channel.delete", object_type="channel", object_id=channel_id)


def _channel_or_404(channel_id: int) -> ClinicChannel:
    channel = db.session.scalar(
        db.select(ClinicChannel).where(
            ClinicChannel.id == channel_id,
            ClinicChannel.clinic_id == require_principal().clinic_id,
        )
    )
    if channel is None:
        record("clinic.channel.read", object_type="channel", object_id=channel_id, outcome="denied")
        abort(404, message="No such channel.")
    return channel


def _refuse(exc: BadChannelURL):
    abort(422, message=str(exc), errors={"json": {"url": [str(exc)]}})

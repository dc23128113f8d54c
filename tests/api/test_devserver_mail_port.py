"""`make run` with its mail sink's port taken (#17 item 6): a free port instead of a
traceback, or a plain refusal when the port was chosen by the user."""

import socket

from api.devserver import free_mail_port


def test_a_taken_default_port_gives_a_free_one_and_a_chosen_one_is_refused():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        taken = holder.getsockname()[1]
        other = free_mail_port(taken, fall_back=True)
        assert other is not None and other != taken
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", other))  # really free
        assert free_mail_port(taken, fall_back=False) is None
    assert free_mail_port(taken, fall_back=False) == taken  # free again once let go

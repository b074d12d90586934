"""``tellers serve --workers N`` gives each worker its own listening socket on one port (Linux
``SO_REUSEPORT``), so the kernel spreads connections over the workers."""

from __future__ import annotations

import socket

import pytest

from api.commands.serve import BALANCED, listen_each, supervise

pytestmark = pytest.mark.api


@pytest.mark.skipif(not BALANCED, reason="SO_REUSEPORT spreads connections on Linux only")
def test_each_worker_s_socket_shares_the_port_and_gets_its_share() -> None:
    sockets = listen_each("127.0.0.1", 0, 2)
    try:
        assert len(sockets) == 2
        port = sockets[0].getsockname()[1]
        assert sockets[1].getsockname()[1] == port
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
        accepted = []
        for listener in sockets:
            listener.setblocking(False)
            count = 0
            while True:
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    break
                conn.close()
                count += 1
            accepted.append(count)
        assert sum(accepted) == 64
        assert min(accepted) > 0  # all 64 on one socket: 1 chance in 2**63 if spread evenly
        for client in clients:
            client.close()
    finally:
        for listener in sockets:
            listener.close()


def test_one_worker_or_no_balancing_shares_one_socket() -> None:
    sockets = listen_each("127.0.0.1", 0, 1)
    assert len(sockets) == 1
    sockets[0].close()


def test_the_supervisor_wants_one_socket_or_one_for_each_worker() -> None:
    sockets = listen_each("127.0.0.1", 0, 2)
    try:
        with pytest.raises(ValueError, match="3 listening sockets for 2 workers"):
            supervise(lambda: None, [*sockets, sockets[0]], 1, 2)  # type: ignore[arg-type,return-value]
    finally:
        for listener in sockets:
            listener.close()

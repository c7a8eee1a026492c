"""Free local ports for the servers the tests start (brokers, PostgreSQL, metrics, the API).

A port is free when asked for and may be taken a moment later; that race is not closed
here. What is closed is the one the tests cause themselves: two ports asked for one after
the other (a worker's metrics port, then its QA API's) coming back equal, since the kernel
may hand a just-released port out again. The second server then fails to bind, and a check
of the first one's /readyz answers for both (seen once in CI). So no port is handed out
twice in one test session.
"""

from __future__ import annotations

import socket

_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on right now and that this session has not handed out."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port

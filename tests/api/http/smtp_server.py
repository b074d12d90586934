"""A small SMTP server on 127.0.0.1 for tests: it speaks RFC 5321 enough for ``smtplib``
(EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it accepts.

It is a real server on a real socket, so the service's own ``smtplib`` client is
what is tested; ``refuse`` makes it answer RCPT with a permanent failure.
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from types import TracebackType


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message


@dataclass
class SmtpServer:
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    port: int = 0
    _server: socketserver.ThreadingTCPServer | None = None

    def __enter__(self) -> SmtpServer:
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 test ESMTP")
                sender, recipients = "", []
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode().rstrip("\r\n")
                    verb = line[:4].upper()
                    if verb == "EHLO":
                        self.reply("250-test")
                        self.reply("250 8BITMIME")
                    elif verb == "HELO" or verb == "NOOP":
                        self.reply("250 ok")
                    elif verb == "MAIL":
                        sender, recipients = line.split(":", 1)[1].strip().strip("<>"), []
                        self.reply("250 ok")
                    elif verb == "RCPT":
                        address = line.split(":", 1)[1].strip().strip("<>")
                        if address in owner.refuse:
                            self.reply("550 no such mailbox")
                            continue
                        recipients.append(address)
                        self.reply("250 ok")
                    elif verb == "DATA":
                        self.reply("354 end with .")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        owner.messages.append(Received(sender, recipients,
                                                       message_from_bytes(data)))
                        self.reply("250 queued")
                    elif verb == "RSET":
                        sender, recipients = "", []
                        self.reply("250 ok")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

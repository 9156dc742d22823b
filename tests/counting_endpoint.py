"""A SPARQL endpoint on 127.0.0.1 that counts the connections it accepts: what the guard must keep away."""

from __future__ import annotations

import contextlib
import socket
import threading


class CountingEndpoint:
    """Answers every request with `answer` (SPARQL results JSON) and counts who connected."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.server.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            with client:
                client.settimeout(5)
                with contextlib.suppress(OSError):
                    self._answer(client)

    def _answer(self, client: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                break
            data += chunk
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
            f"Content-Length: {len(self.answer)}\r\nConnection: close\r\n\r\n"
        )
        client.sendall(head.encode() + self.answer)

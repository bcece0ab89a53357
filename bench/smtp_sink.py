"""A counting SMTP server for the notification benchmark: ``python -m bench.smtp_sink PORT FILE``.

Listens on 127.0.0.1 only (aiosmtpd), accepts every message and appends its Message-ID to
FILE, one line per message received, so the benchmark can count deliveries and duplicates
from another process. Stops on SIGTERM or after an hour at the latest.
"""

from __future__ import annotations

import signal
import sys
import threading
from email.parser import BytesHeaderParser


class CountingHandler:
    def __init__(self, path: str):
        self.out = open(path, "a", buffering=1)  # noqa: SIM115 - closed on exit
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):
        headers = self.parser.parsebytes(envelope.content)
        self.out.write(f"{headers.get('Message-ID', '')}\n")
        return "250 Message accepted for delivery"


def main() -> None:
    from aiosmtpd.controller import Controller

    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(CountingHandler(path), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait(timeout=3600)
    controller.stop()


if __name__ == "__main__":
    main()

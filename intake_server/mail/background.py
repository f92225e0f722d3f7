"""Sending due mail in a background thread right after a submission, so a request never waits
on SMTP. At most one thread per app; cron's `flask outbox send` delivers whatever it leaves."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .delivery import SendResult, error_code

log = logging.getLogger(__name__)


class BackgroundSender:
    """At most one sending thread per app. A kick while it runs makes it go round once more,
    so a notice queued during a round is not left for cron."""

    def __init__(self, send: Callable[[], SendResult]) -> None:
        self._send = send
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def kick(self) -> threading.Thread:
        with self._lock:
            if self._thread is not None:
                self._again = True
                return self._thread
            self._thread = threading.Thread(target=self._run, name="outbox-send", daemon=True)
            self._thread.start()
            return self._thread

    def _run(self) -> None:
        while True:
            try:
                result = self._send()
                if result.sent or result.failed:
                    log.info(
                        "outbox_background_send",
                        extra={"sent": result.sent, "failed": result.failed},
                    )
            except Exception as exc:  # a thread has no caller to raise to; cron will retry
                log.error("outbox_background_send_failed", extra={"error_code": error_code(exc)})
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False

"""Sending due mail in a background thread right after a submission, so a request never waits
on SMTP. At most one thread per app; a timer wakes it again when a held-back message (an urgent
submission's reminder) comes due. Cron's `flask outbox send` delivers whatever it leaves, for
instance after a restart."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from ..storage import Clock
from .delivery import SendResult, error_code

log = logging.getLogger(__name__)

# The longest a timer waits; anything later is for the next kick or cron.
LONGEST_WAIT_SECONDS = 3600.0


class BackgroundSender:
    """At most one sending thread per app. A kick while it runs makes it go round once more,
    so a notice queued during a round is not left for cron."""

    def __init__(
        self,
        send: Callable[[], SendResult],
        next_due: Callable[[], datetime | None],
        clock: Clock,
    ) -> None:
        self._send = send
        self._next_due = next_due
        self._clock = clock
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
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
                    self._wake_when_due()
                    return
                self._again = False

    def _wake_when_due(self) -> None:
        """A timer for the next message held back for later, if there is one (called with the
        lock held). A database that cannot be asked now leaves it to the next kick or cron."""
        try:
            due = self._next_due()
        except Exception as exc:
            log.warning("outbox_next_due_failed", extra={"error_code": error_code(exc)})
            return
        if due is None:
            return
        wait = min(max((due - self._clock()).total_seconds(), 1.0), LONGEST_WAIT_SECONDS)
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(wait, self.kick)
        self._timer.daemon = True
        self._timer.start()

"""Mail to the clinic: notices without PHI (`notices.py`), queued in the outbox with the
submission and sent over SMTP (`delivery.py`) by a background thread (`background.py`) or cron."""

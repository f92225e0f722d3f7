"""`flask outbox send|status|retry`: the outbox for operators and cron."""

from __future__ import annotations


def test_outbox_commands(app) -> None:
    runner = app.test_cli_runner()
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0 and status.output.startswith("pending 0 (due now 0), given up 0")
    # No mail due: nothing to send, so no SMTP server is needed.
    sent = runner.invoke(args=["outbox", "send"])
    assert sent.exit_code == 0 and sent.output.strip() == "sent 0, failed 0, pending 0"
    assert runner.invoke(args=["outbox", "retry"]).output.startswith("0 messages")

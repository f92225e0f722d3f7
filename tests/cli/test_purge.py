"""`flask purge`: the retention policy from cron, with a dry run that changes nothing."""

from __future__ import annotations

from datetime import timedelta

from intake_server.intake.forms import ConsultationForm
from intake_server.services import services
from tests.helpers.forms import CONSULTATION_FOR_SELF, form_payload
from tests.helpers.storage import change, row_of, store_submission


def test_purge_command(app, clock) -> None:
    engine = services(app).engine
    reference = store_submission(
        services(app).submissions,
        "consultation",
        form_payload(ConsultationForm, CONSULTATION_FOR_SELF),
    )
    change(
        engine,
        reference,
        status="closed",
        outcome="no_response",
        closed_at=clock() - timedelta(days=400),
    )
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would purge 1 submissions closed more than 365 days ago" in dry.output
    assert reference in dry.output and row_of(engine, reference).payload is not None
    assert runner.invoke(args=["purge", "--older-than-days", "500"]).output.startswith("purged 0")
    assert runner.invoke(args=["purge", "--older-than-days", "0"]).exit_code != 0
    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0 and done.output.startswith("purged 1 ")
    assert row_of(engine, reference).payload is None
    assert "Pat Example" not in done.output
    assert services(app).exports.submission(reference)["payload"] is None
    assert services(app).audit.verify()[1] is None

"""Storage: the one place that knows SQL. Encrypted at rest, idempotent, durable before
acknowledged; it imports neither Flask nor click, and never reads the app's settings.

Everything outside this package imports from here, not from the modules below, so this list is
the storage layer's whole surface: repositories (one per concern, each the only code for its
tables), the errors they raise, and the few values and types their callers need.
"""

from intake_server.migrations import head_revision, upgrade
from intake_server.storage.audit import Actor, AuditLog
from intake_server.storage.backup import BackupError, BackupResult, BackupUnsupported, backup_sqlite
from intake_server.storage.clock import Clock, utc_now
from intake_server.storage.crypto import Keyring, generate_key
from intake_server.storage.database import make_engine
from intake_server.storage.derived import normalise_phone, rederive_all
from intake_server.storage.exports import ExportReader, ExportRow
from intake_server.storage.health import WriteProbe
from intake_server.storage.links import LinkUnusable
from intake_server.storage.models import KINDS, OUTCOMES, ROLES, STATUSES, Submission
from intake_server.storage.outbox import DEFAULT_LEASE, MAX_ATTEMPTS, DueMessage, Outbox, enqueue
from intake_server.storage.reference import new_reference, normalise_reference
from intake_server.storage.retention import PurgeResult, purge_closed
from intake_server.storage.rotation import reencrypt_all
from intake_server.storage.staff import (
    AccountError,
    FailureHook,
    SessionPolicy,
    StaffStore,
    StepResult,
    session_id_for,
)
from intake_server.storage.submissions import (
    InsertHook,
    Receipt,
    StorageUnavailable,
    SubmissionStore,
)
from intake_server.storage.work import (
    DUPLICATE_WINDOW,
    REASON_MAX,
    QueueFilter,
    RowExtras,
    WorkError,
    WorkStore,
)

__all__ = [
    "DEFAULT_LEASE",
    "DUPLICATE_WINDOW",
    "KINDS",
    "MAX_ATTEMPTS",
    "OUTCOMES",
    "REASON_MAX",
    "ROLES",
    "STATUSES",
    "AccountError",
    "Actor",
    "AuditLog",
    "BackupError",
    "BackupResult",
    "BackupUnsupported",
    "Clock",
    "DueMessage",
    "ExportReader",
    "ExportRow",
    "FailureHook",
    "InsertHook",
    "Keyring",
    "LinkUnusable",
    "Outbox",
    "PurgeResult",
    "QueueFilter",
    "Receipt",
    "RowExtras",
    "SessionPolicy",
    "StaffStore",
    "StepResult",
    "StorageUnavailable",
    "Submission",
    "SubmissionStore",
    "WorkError",
    "WorkStore",
    "WriteProbe",
    "backup_sqlite",
    "enqueue",
    "generate_key",
    "head_revision",
    "make_engine",
    "new_reference",
    "normalise_phone",
    "normalise_reference",
    "purge_closed",
    "rederive_all",
    "reencrypt_all",
    "session_id_for",
    "upgrade",
    "utc_now",
]

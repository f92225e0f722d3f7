"""Storage for intake submissions: encrypted at rest, idempotent, durable before acknowledged.

The web layer needs only what is imported here.
"""

from intake_server.migrations import upgrade
from intake_server.storage.backup import BackupError, BackupResult, BackupUnsupported, backup_sqlite
from intake_server.storage.crypto import Keyring, generate_key
from intake_server.storage.database import make_engine
from intake_server.storage.models import KINDS, STATUSES
from intake_server.storage.reference import new_reference, normalise_reference
from intake_server.storage.submissions import Receipt, StorageUnavailable, SubmissionStore

__all__ = [
    "KINDS",
    "STATUSES",
    "BackupError",
    "BackupResult",
    "BackupUnsupported",
    "Keyring",
    "Receipt",
    "StorageUnavailable",
    "SubmissionStore",
    "backup_sqlite",
    "generate_key",
    "make_engine",
    "new_reference",
    "normalise_reference",
    "upgrade",
]

"""What staff and the notice mail call the languages a form can be sent in (their own English
names): one table, so the queue, the detail page and the mail cannot name a language apart."""

from __future__ import annotations

LANGUAGE_NAMES: dict[str, str] = {"en": "English", "es": "Spanish"}

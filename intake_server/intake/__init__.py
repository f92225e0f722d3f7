"""The public forms: consultation requests and part-one personal assessments.

`forms.py` and `fields.py` say what is asked and how answers are checked, `urgency.py` decides
whether what was sent needs a call first, `kinds.py` names the two kinds, and `views.py` serves
the pages: form -> validation -> urgency -> store -> confirmation.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ..extensions import csrf
    from .views import bp

    # The forms check their own CSRF token, so an expired one can be handled kindly.
    csrf.exempt(bp)
    app.register_blueprint(bp)

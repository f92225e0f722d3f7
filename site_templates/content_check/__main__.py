"""`python -m site_templates.content_check`: the content check's report (see __init__.py)."""

import sys

from site_templates.content_check import main

sys.exit(main())

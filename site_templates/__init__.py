"""The site's theme and build: `overrides/` holds the mkdocs-material template overrides and
assets (templates only), `macros.py` exposes clinic.yml's facts to pages while they build, and
`content_check/` is the editors' report (`python -m site_templates.content_check`)."""

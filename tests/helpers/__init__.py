"""What tests share besides fixtures, one module per topic, imported as `tests.helpers.<topic>`:

- `environment`: the project root, and `need()` (skip on a laptop, fail under CI=true)
- `app`: the service in this process (settings, app, a hand-moved clock, a live server)
- `forms`: the one form-token helper, sending a form, sample answers, form payloads
- `storage`: the one way to store a submission, counting rows, changing rows behind the app
- `threads`: running work in threads released at the same moment
- `staff`: the one sign-in helper, the harness that makes enrolled accounts
- `browser`: watching a page, axe, focus and the Tab key
- `mail`: a real SMTP server and the outbox's rows
- `fhir`: FHIR resources validated as a receiving system would
- `site`: reading a built site
- `content`: running the content check and reading its report
"""

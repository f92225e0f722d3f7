"""The test suite. Folders mirror intake_server's packages (and the site, and the whole service);
shared helpers are in tests/helpers, fixtures in conftest.py."""

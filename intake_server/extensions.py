"""Flask extensions, created unbound so the application factory can configure them."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect

# The public pages' words in English and Spanish (gettext catalogs in translations/); the page's
# address picks the language (web/language.py). WTForms' own messages follow it through Flask-WTF.
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Only for views that opt in: the static site, and a blank form page (its token, but nothing the
# request sent). A page that holds a form token and anything from the request (what someone typed,
# a query string) is never compressed, so a BREACH-style attack has nothing to measure.
compress = Compress()

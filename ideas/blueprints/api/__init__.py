"""JSON API under /api/v1, for programs: bearer tokens, JSON in and out.

One module per concern: ``auth`` (who is calling), ``bodies`` (request bodies and
query arguments, checked), ``serialize`` (what an item looks like in JSON), ``views``
(the endpoints: parse -> service -> commit -> JSON) and ``openapi`` (the document at
``/api/v1/openapi.json``, which a test holds to the routes served here).
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The modules below attach their views and handlers to ``bp``.
from ideas.blueprints.api import admin, auth, cases, openapi, similar, stats, views  # noqa: E402, F401

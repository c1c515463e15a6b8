"""About the service: the accessibility statement (tillgänglighetsredogörelse).

Public bodies publish one under lagen (2018:1937) om tillgänglighet till digital
offentlig service, following the model of Myndigheten för digital förvaltning (DIGG).
It is public: anyone must be able to read it, and to find how to report a shortcoming,
without an account.
"""

from __future__ import annotations

from datetime import date
from email.utils import parseaddr

from flask import Blueprint, current_app, render_template

from ideas.security import public
from ideas.services.reports import FOLLOWUP_MINUTES

bp = Blueprint("about", __name__)

# When the statement was made and the service last tested: update both when it changes.
STATEMENT_DATE = date(2026, 11, 27)
TESTED_DATE = date(2026, 11, 27)
SUPERVISOR_URL = "https://www.digg.se/tdosanmalan"


def contact_address() -> str:
    """Where shortcomings are reported: IDEAS_ACCESSIBILITY_CONTACT, or else the address
    the service sends its e-mail from."""
    configured = current_app.config.get("ACCESSIBILITY_CONTACT")
    return parseaddr(str(configured or current_app.config["MAIL_FROM"]))[1]


@bp.get("/accessibility")
@public
def accessibility():
    return render_template(
        "main/accessibility.html",
        contact=contact_address(),
        statement_date=STATEMENT_DATE,
        tested_date=TESTED_DATE,
        supervisor_url=SUPERVISOR_URL,
        session_hours=int(current_app.permanent_session_lifetime.total_seconds() // 3600),
        followup_minutes=FOLLOWUP_MINUTES,
    )

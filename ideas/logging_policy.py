"""gunicorn's access log, without the whistleblowing channel.

Requests to /report (filing, following up, the mailbox) are left out of the access
log entirely: no address, time, user agent or path of a reporter is written anywhere.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

PRIVATE_PREFIXES = ("/report",)


class ScrubbingLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if (environ.get("PATH_INFO") or "").startswith(PRIVATE_PREFIXES):
            return
        super().access(resp, req, environ, request_time)

"""gunicorn's access log, without the whistleblowing channel.

Requests to /report (filing, following up, the mailbox) are left out of the access
log entirely: no address, time, user agent or path of a reporter is written anywhere.
A forgotten-password link carries its token in its path: the token is masked, so that
the log gives nobody a way into an account.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

PRIVATE_PREFIXES = ("/report",)
SECRET_PATHS = ("/password/reset/",)
MASKED = "/password/reset/[token]"


class ScrubbingLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if (environ.get("PATH_INFO") or "").startswith(PRIVATE_PREFIXES):
            return
        if (environ.get("PATH_INFO") or "").startswith(SECRET_PATHS):
            environ = {**environ, "PATH_INFO": MASKED, "RAW_URI": MASKED}
        super().access(resp, req, environ, request_time)

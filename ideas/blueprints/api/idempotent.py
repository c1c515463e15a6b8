"""``Idempotency-Key`` on the API's requests that create something
(``ideas/services/idempotency.py`` says what is kept, and for how long)."""

from __future__ import annotations

import functools
import hashlib
import json
import re

from flask import Response, make_response, request
from sqlalchemy.exc import IntegrityError

from ideas.blueprints.api.auth import api_user
from ideas.blueprints.api.errors import ApiError
from ideas.extensions import db
from ideas.services import idempotency

HEADER = "Idempotency-Key"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the draft's examples


def idempotent(view):
    """For a view that returns its answer without committing: commits the answer's
    transaction and, when the request carries an Idempotency-Key, keeps a successful
    answer in that same transaction (a failure is not kept: nothing was done, and the
    request may be tried again as it is). A request whose key has an answer gets that
    answer again, marked ``Idempotent-Replayed: true``, and nothing is done."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            response = make_response(view(*args, **kwargs))
            db.session.commit()
            return response
        if not _KEY.fullmatch(key):
            raise ApiError(
                400, f"{HEADER}: 1 to 255 visible ASCII characters, no spaces.", field=HEADER
            )
        user = api_user()
        print_ = idempotency.fingerprint(request.method, request.full_path, _body())
        kept = idempotency.answer_for(user, key)
        if kept is not None:
            return _replay(kept, print_)
        response = make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            idempotency.keep(
                user,
                key,
                print_,
                response.status_code,
                response.get_data(as_text=True),
                response.headers.get("Location"),
            )
        try:
            db.session.commit()
        except IntegrityError:
            # The same key twice at once: the other request's answer was kept first.
            db.session.rollback()
            kept = idempotency.answer_for(user, key)
            if kept is None:
                raise
            return _replay(kept, print_)
        return response

    return wrapper


def _body() -> bytes:
    """What the request sends, for its fingerprint: the body as it came, or for a
    multipart request (whose body the form parser has read) its fields and a hash of
    each file, in order."""
    if request.mimetype != "multipart/form-data":
        return request.get_data()
    parts = [[name, value] for name, value in request.form.items(multi=True)]
    for name, storage in request.files.items(multi=True):
        digest = hashlib.sha256(storage.stream.read()).hexdigest()  # at most 10 MB
        storage.stream.seek(0)
        parts.append([name, digest])
    return json.dumps(parts).encode()


def _replay(kept, print_: str) -> Response:
    if kept.fingerprint != print_:
        raise ApiError(
            422,
            f"This {HEADER} was used for another request (another path or body); "
            "use a new key for a new request.",
            field=HEADER,
        )
    response = Response(kept.body, status=kept.status, mimetype="application/json")
    if kept.location:
        response.headers["Location"] = kept.location
    response.headers["Idempotent-Replayed"] = "true"
    return response

"""The OpenAPI 3.1 document of this API, built in code and served at /api/v1/openapi.json.

Request bodies come from the pydantic models that check them, so they cannot drift;
responses are described here beside the serializers' shapes. A test walks the app's
URL map and finds every API route and method in ``paths``, and checks real responses
against the schemas below.
"""

from __future__ import annotations

import functools

from flask import current_app, jsonify
from pydantic.json_schema import models_json_schema

from ideas import page_cache
from ideas.attachments import MAX_BYTES, MAX_FILES
from ideas.blueprints.api import bp
from ideas.blueprints.api.auth import public
from ideas.blueprints.api.bodies import MAX_PAGE, MAX_PER_PAGE, REQUEST_BODIES
from ideas.blueprints.api.serialize import CURSOR_MAX
from ideas.blueprints.api.stats import RESPONSE_SCHEMAS as STATS_SCHEMAS
from ideas.models import EVENTS, KINDS, ROLES, STATUSES
from ideas.models.items import TITLE_MAX
from ideas.services.paging import COUNT_LIMIT
from ideas.services.search import MAX_QUERY

JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, *, optional: tuple[str, ...] = (), description: str = "") -> dict:
    schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def list_of(name: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(name)}})


def page_of(name: str) -> dict:
    """One page of a list: the items and where the page stands."""
    return obj(
        {
            "items": {"type": "array", "items": ref(name)},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 0},
            "per_page": {"type": "integer", "minimum": 1},
        }
    )


TIMESTAMP = {"type": "string", "format": "date-time", "description": "ISO 8601, with offset."}
FILE_TYPES = ["image/jpeg", "image/png", "application/pdf", "text/plain"]
MULTIPART = "multipart/form-data"
FILES_PROPERTY = {
    "type": "array",
    "maxItems": MAX_FILES,
    "items": {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "maxLength": MAX_BYTES,
        "x-max-bytes": MAX_BYTES,
    },
    "x-max-bytes": MAX_BYTES,
    "description": f"Up to {MAX_FILES} files of at most {MAX_BYTES // (1024 * 1024)} MB each: "
    "JPEG, PNG, PDF or plain text (UTF-8), recognised by their content. HEIC is refused: "
    "send such pictures as JPEG. Pictures are re-encoded without their metadata (EXIF, "
    "GPS) and turned the right way up; PDFs keep their pages only. A file refused is a "
    "422 on `files` naming it, and nothing is stored.",
}


def _with_files(body: str) -> dict:
    """A request body's multipart form: the JSON body's fields as form fields (a list
    as the field repeated, a boolean as `true` or `false`) and the files."""
    schema = request_schemas()[body]
    return {
        "schema": {
            **schema,
            "properties": {**schema["properties"], "files": FILES_PROPERTY},
        },
        "encoding": {"files": {"contentType": ", ".join(FILE_TYPES)}},
    }


FILES_BODY = {
    "required": True,
    "content": {
        MULTIPART: {
            "schema": {
                "type": "object",
                "properties": {"files": {**FILES_PROPERTY, "minItems": 1}},
                "required": ["files"],
                "additionalProperties": False,
            },
            "encoding": {"files": {"contentType": ", ".join(FILE_TYPES)}},
        }
    },
}
TOO_LARGE = {
    "description": f"The request is larger than {MAX_FILES} files of "
    f"{MAX_BYTES // (1024 * 1024)} MB and the form around them; `field` is `files`.",
    "content": {JSON: {"schema": ref("Error")}},
}
STATUS = {"type": "string", "enum": STATUSES}

ITEM_PROPERTIES = {
    "id": {"type": "integer"},
    "kind": {"type": "string", "enum": KINDS},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "benefit": {"type": "string"},
    "unit": obj({"code": {"type": "string"}, "name": {"type": "string"}}),
    "values": {"type": "array", "items": {"type": "string"}, "description": "Value names."},
    "category": nullable({"type": "string", "description": "The category's name."}),
    "status": STATUS,
    "status_label": {"type": "string", "description": "The status in words (English)."},
    "author": nullable(ref("Person")),
    "assignee": nullable(ref("Person")),
    "driver": nullable(ref("Person")),
    "confidential": {"type": "boolean", "description": "Concerns: the submitter is hidden."},
    "about_manager": {"type": "boolean", "description": "Concerns: about one's own manager."},
    "supports": {"type": "integer", "minimum": 0},
    "comments": {"type": "integer", "minimum": 0},
    "merged_into": nullable({"type": "integer", "description": "A duplicate: the original."}),
    "adopted_from": nullable(
        {"type": "integer", "description": 'Adopted ("vi vill också") from this idea.'}
    ),
    "outcome": {"type": "string", "description": "Implemented: what was done."},
    "lessons": {"type": "string", "description": "Implemented: what was learned."},
    "effect": {"type": "string", "description": "Evaluated: the effect seen."},
    "hours_saved": nullable({"type": "number", "description": "Working hours saved a year."}),
    "money_saved": nullable({"type": "number", "description": "Kronor saved a year."}),
    "url": {"type": "string", "format": "uri", "description": "The item's page on the web."},
    "created_at": TIMESTAMP,
    "updated_at": TIMESTAMP,
}

CASE_PROPERTIES = {
    "id": {"type": "integer"},
    "case_number": {"type": "string"},
    "status": {"type": "string", "enum": ["received", "acknowledged", "investigating", "closed"]},
    "outcome": nullable({"type": "string"}),
    "received_at": TIMESTAMP,
    "acknowledge_due": TIMESTAMP,
    "acknowledged_at": nullable(TIMESTAMP),
    "feedback_due": TIMESTAMP,
    "feedback_at": nullable(TIMESTAMP),
    "closed_at": nullable(TIMESTAMP),
    "delete_personal_data_at": nullable(TIMESTAMP),
    "personal_data_deleted_at": nullable(TIMESTAMP),
    "url": {"type": "string", "format": "uri", "description": "The case's page."},
}

RESPONSE_SCHEMAS = {
    "Me": obj(
        {
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "role": {"type": "string", "enum": ["employee", "manager", "case_handler", "admin"]},
            "unit": nullable(obj({"code": {"type": "string"}, "name": {"type": "string"}})),
            "digest_frequency": {"type": "string", "enum": ["none", "daily", "weekly", "monthly"]},
            "absent": {"type": "boolean"},
            "deputy": nullable(ref("Person")),
        },
        description="The caller's own account and settings.",
    ),
    "Person": obj({"name": {"type": "string"}, "email": {"type": "string", "format": "email"}}),
    "Notification": obj(
        {
            "id": {"type": "integer"},
            "event": {"type": "string", "enum": EVENTS, "description": "What happened."},
            "read": {"type": "boolean"},
            "created_at": TIMESTAMP,
            "item": nullable(
                obj(
                    {
                        "id": {"type": "integer"},
                        "kind": {"type": "string", "enum": KINDS},
                        "title": {"type": "string"},
                        "url": {
                            "type": "string",
                            "format": "uri",
                            "description": "The item's page on the web; opening it there "
                            "marks what the caller was told about it read.",
                        },
                    },
                    description="What it happened to; null when the caller may no longer see it.",
                )
            ),
        },
        description="Something that happened which concerns the caller.",
    ),
    "NotificationPage": obj(
        {
            "items": {"type": "array", "items": ref("Notification")},
            "unread": {"type": "integer", "minimum": 0, "description": "Unread in all."},
            "total": {"type": "integer", "minimum": 0, "description": "All the list has."},
        },
        description="One page of the caller's notifications, newest first.",
    ),
    "NotificationsMarked": obj(
        {
            "marked": {"type": "integer", "minimum": 0, "description": "Marked read now."},
            "unread": {"type": "integer", "minimum": 0, "description": "Still unread."},
        }
    ),
    "Value": obj(
        {"name": {"type": "string"}, "behaviours": {"type": "array", "items": {"type": "string"}}},
        description="A value of the organisation and the behaviours that show it.",
    ),
    "ValueList": list_of("Value"),
    "Unit": obj(
        {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "parent": nullable({"type": "string", "description": "The parent unit's code."}),
        }
    ),
    "UnitList": list_of("Unit"),
    "Item": obj(ITEM_PROPERTIES),
    "HistoryEntry": obj(
        {
            "at": TIMESTAMP,
            "actor": nullable(ref("Person")),
            "action": {"type": "string", "description": "submitted, status, ..."},
            "from": nullable(STATUS),
            "to": nullable(STATUS),
            "comment": {"type": "string"},
        }
    ),
    "ItemDetail": obj(
        {
            **ITEM_PROPERTIES,
            "history": {"type": "array", "items": ref("HistoryEntry")},
            "files": {
                "type": "array",
                "items": ref("File"),
                "description": "The item's files and its comments' (`comment` says which).",
            },
            "supported_by_me": {"type": "boolean"},
            "following": {"type": "boolean"},
            "spread_to": {
                "type": "array",
                "description": "The ideas adopted from this one, and their units.",
                "items": obj(
                    {
                        "id": {"type": "integer"},
                        "unit": obj({"code": {"type": "string"}, "name": {"type": "string"}}),
                    }
                ),
            },
        },
        description="An item with its history (oldest first) and the caller's standing.",
    ),
    "ItemPage": obj(
        {
            "items": {"type": "array", "items": ref("Item")},
            "total": nullable(
                {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": COUNT_LIMIT,
                    "description": f"How many match, when at most {COUNT_LIMIT:,}; null "
                    "when more (then `total_more` is true). Lists are never counted whole.",
                }
            ),
            "total_more": {
                "type": "boolean",
                "description": f"More than {COUNT_LIMIT:,} match (`total` is null).",
            },
            "page": nullable(
                {"type": "integer", "minimum": 1, "description": "Null for a cursor's page."}
            ),
            "pages": nullable(
                {"type": "integer", "minimum": 0, "description": "Null when `total` is."}
            ),
            "per_page": {"type": "integer", "minimum": 1},
            "next_cursor": nullable(
                {
                    "type": "string",
                    "description": "Pass as `cursor` for the next page; null on the last.",
                }
            ),
        },
        description="One page of a list, newest first (a search: most relevant first when "
        f"at most {COUNT_LIMIT:,} match, else newest first).",
    ),
    "Comment": obj(
        {
            "id": {"type": "integer"},
            "body": {"type": "string"},
            "author": nullable(ref("Person")),
            "files": {"type": "array", "items": ref("File"), "maxItems": MAX_FILES},
            "created_at": TIMESTAMP,
        }
    ),
    "File": obj(
        {
            "id": {"type": "integer"},
            "name": {
                "type": "string",
                "description": "The name it is shown under (photo-1.jpg, document-2.pdf...): "
                "never the name it was sent with.",
            },
            "content_type": {"type": "string", "enum": FILE_TYPES},
            "size": {"type": "integer", "minimum": 1, "maximum": MAX_BYTES},
            "width": nullable({"type": "integer", "description": "A picture's, in pixels."}),
            "height": nullable({"type": "integer", "description": "A picture's, in pixels."}),
            "comment": nullable(
                {"type": "integer", "description": "The comment it came with; null: the item's."}
            ),
            "url": {"type": "string", "format": "uri", "description": "GET it with the token."},
            "thumbnail_url": nullable(
                {"type": "string", "format": "uri", "description": "A picture's, at most 320 px."}
            ),
            "web_url": {"type": "string", "format": "uri", "description": "For a browser."},
            "created_at": TIMESTAMP,
        },
        description="A file on an item or a comment, as it was stored: cleaned of metadata "
        "(EXIF and GPS, a PDF's author...), a picture turned the right way up.",
    ),
    "FileList": list_of("File"),
    "CommentList": list_of("Comment"),
    "ItemList": list_of("Item"),
    "InboxItem": obj(
        {**ITEM_PROPERTIES, "next_deadline": nullable(TIMESTAMP)},
        description="An item in a manager's inbox, with its nearest open deadline.",
    ),
    "Inbox": obj(
        {
            "counts": obj(
                {
                    name: {"type": "integer", "minimum": 0}
                    for name in ("total", "overdue", "due_soon", "ideas", "concerns")
                }
            ),
            "items": {"type": "array", "items": ref("InboxItem")},
        },
        description="The open items the caller answers for, nearest deadline first.",
    ),
    "Case": obj(CASE_PROPERTIES, description="A case in the register: no content."),
    "CaseList": list_of("Case"),
    "CaseEntry": obj(
        {
            "id": {"type": "integer"},
            "kind": {
                "type": "string",
                "description": "report, message, acknowledgement, feedback, minutes or measure.",
            },
            "from": {"type": "string", "enum": ["reporter", "case_handler"]},
            "author": nullable({"type": "string", "description": "The case handler's name."}),
            "created_at": TIMESTAMP,
            "removed": {"type": "boolean", "description": "Redacted or deleted."},
            "content": nullable(
                {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "The report's fields (what, where, when, who, name, "
                    "contact) or a message's body; minutes also held_on and form.",
                }
            ),
            "attachments": {
                "type": "array",
                "items": obj(
                    {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "content_type": {"type": "string"},
                        "size": {"type": "integer"},
                    }
                ),
            },
            "supersedes": nullable(
                {"type": "integer", "description": "Minutes: the version this one corrects."}
            ),
            "approved_at": nullable(TIMESTAMP),
        }
    ),
    **STATS_SCHEMAS,
    "CaseDetail": obj(
        {**CASE_PROPERTIES, "messages": {"type": "array", "items": ref("CaseEntry")}},
        description="A case with its mailbox, oldest first.",
    ),
    "AdminUser": obj(
        {
            "id": {"type": "integer"},
            "email": {"type": "string", "format": "email"},
            "name": {"type": "string"},
            "unit": nullable({"type": "string", "description": "The home unit's code."}),
            "role": {"type": "string", "enum": ROLES},
            "active": {"type": "boolean", "description": "false: deactivated."},
        },
        description="A person, as the admin API shows them.",
    ),
    "AdminUserPage": page_of("AdminUser"),
    "AdminUnit": obj(
        {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "parent": nullable({"type": "string", "description": "The parent unit's code."}),
            "manager": nullable(
                {"type": "string", "format": "email", "description": "The manager's e-mail."}
            ),
            "active": {"type": "boolean", "description": "false: retired."},
        },
        description="A unit of the organisation tree, as the admin API shows it.",
    ),
    "AdminUnitPage": page_of("AdminUnit"),
    "Error": obj(
        {
            "error": {"type": "string", "description": "What went wrong, in English."},
            "status": {"type": "integer"},
            "field": {"type": "string", "description": "The (first) input at fault."},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Every input at fault, with its message.",
            },
        },
        optional=("field", "fields"),
    ),
}


def _error(description: str, **extra) -> dict:
    return {"description": description, "content": {JSON: {"schema": ref("Error")}}, **extra}


ERROR_RESPONSES = {
    "BadRequest": _error("Malformed JSON, a body that is not an object, or a bad query argument."),
    "Unauthorized": _error(
        "No token, or an unknown, revoked or deactivated user's token.",
        headers={"WWW-Authenticate": {"schema": {"type": "string"}}},
    ),
    "Forbidden": _error("The caller's role does not allow this."),
    "NotFound": _error("No such idea, case, person or unit (or not one the caller may see)."),
    "Unprocessable": _error("The input breaks a rule; `field` names it. Nothing was written."),
}


def _ok(schema: str, description: str = "OK") -> dict:
    return {"description": description, "content": {JSON: {"schema": ref(schema)}}}


def _operation(
    operation_id: str,
    summary: str,
    responses: dict,
    *,
    errors: tuple[str, ...] = (),
    body: str | None = None,
    parameters: list | None = None,
    files: bool = False,
) -> dict:
    errors = ("Unauthorized", *errors)
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "responses": {
            **responses,
            **{
                code: {"$ref": f"#/components/responses/{name}"}
                for code, name in (
                    ("400", "BadRequest"),
                    ("401", "Unauthorized"),
                    ("403", "Forbidden"),
                    ("404", "NotFound"),
                    ("422", "Unprocessable"),
                )
                if name in errors
            },
        },
    }
    if body:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(body)}}}
    if body and files:
        operation["requestBody"]["content"][MULTIPART] = _with_files(body)
        operation["responses"]["413"] = TOO_LARGE
    if parameters:
        operation["parameters"] = parameters
    return operation


FILE_ID = {"name": "file_id", "in": "path", "required": True, "schema": {"type": "integer"}}
FILE_CONTENT = {
    "description": "The file's bytes, with its type.",
    "content": {t: {"schema": {"type": "string", "contentMediaType": t}} for t in FILE_TYPES},
}


def _files_operation(operation_id: str, kind: str) -> dict:
    operation = _operation(
        operation_id,
        f"Add files to a {kind} already submitted: its submitter, or whoever may manage it. "
        f"At most {MAX_FILES} on the {kind} (its comments have their own).",
        {"201": _ok("FileList", "The files added.")},
        errors=("Forbidden", "NotFound", "Unprocessable"),
    )
    operation["requestBody"] = FILES_BODY
    operation["responses"]["413"] = TOO_LARGE
    operation["responses"]["415"] = {
        "description": "Not multipart/form-data.",
        "content": {JSON: {"schema": ref("Error")}},
    }
    return operation


def _query(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _list_parameters(per_page: int) -> list[dict]:
    return [
        _query(
            "q",
            "Search words (title, description, benefit).",
            {"type": "string", "maxLength": MAX_QUERY},
        ),
        _query("status", "Only items in this status.", STATUS),
        _query("value", "Only items serving this value (its name).", {"type": "string"}),
        _query("unit", "Only items of this unit (its code).", {"type": "string"}),
        *_paging(per_page, "Items per page."),
        _query(
            "cursor",
            "The page after the one that gave this `next_cursor` (instead of `page`): "
            "as fast however deep, and steady while items are added.",
            {"type": "string", "minLength": 1, "maxLength": CURSOR_MAX},
        ),
    ]


ITEM_ID = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string of your own (a UUID, say). The same request sent again "
    "with the same key within 24 hours (after a timeout, a 503, a lost answer) gets the "
    "first answer back, with `Idempotent-Replayed: true`, and creates nothing more. The "
    "key sent with another request (another path or body) is refused with 422.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the answer kept for the Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
COMMENT_ID = {"name": "comment_id", "in": "path", "required": True, "schema": {"type": "integer"}}
ON_ITEM = ("NotFound",)
ON_STATS = ("BadRequest", "Forbidden", "Unprocessable")


def _stats_parameters() -> list[dict]:
    return [
        _query(
            "unit",
            "Only this unit and the units below it (its code). A manager may name only a "
            "unit they manage or one below it.",
            {"type": "string"},
        ),
        _query(
            "from",
            "Only items submitted on or after this day (YYYY-MM-DD, UTC).",
            {"type": "string", "format": "date"},
        ),
        _query(
            "to",
            "Only items submitted on or before this day (YYYY-MM-DD, UTC).",
            {"type": "string", "format": "date"},
        ),
    ]


REPORT_ID = {"name": "report_id", "in": "path", "required": True, "schema": {"type": "integer"}}
ON_CASE = ("Forbidden", "NotFound")


def _paging(per_page: int, rows: str = "Rows per page.") -> list[dict]:
    return [
        _query(
            "page",
            "Page number, from 1.",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        ),
        _query(
            "per_page",
            rows,
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": per_page},
        ),
    ]


PERSON_ID = {"name": "person_id", "in": "path", "required": True, "schema": {"type": "integer"}}
UNIT_CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "The unit's code.",
    "schema": {"type": "string", "minLength": 1},
}
ON_ADMIN_WRITE = ("BadRequest", "Forbidden", "Unprocessable")
ON_ADMIN_PATCH = ("BadRequest", "Forbidden", "NotFound", "Unprocessable")


def _admin_paths(per_page: int) -> dict:
    """Provisioning over the API: people and units (admin tokens only; 403 otherwise).
    Every change is in the admin audit log, as on the admin pages."""
    return {
        "/api/v1/admin/users": {
            "get": _operation(
                "admin_list_users",
                "People by name, searched and filtered (admins only).",
                {"200": _ok("AdminUserPage")},
                errors=("BadRequest", "Forbidden", "Unprocessable"),
                parameters=[
                    _query(
                        "q",
                        "Words in the name or e-mail address.",
                        {"type": "string", "maxLength": MAX_QUERY},
                    ),
                    _query(
                        "unit",
                        "Only people of this home unit (its code); unknown: 422.",
                        {"type": "string"},
                    ),
                    _query(
                        "role",
                        "Only people with this role; unknown: 422.",
                        {"type": "string", "enum": ROLES},
                    ),
                    *_paging(per_page),
                ],
            ),
            "post": _operation(
                "admin_create_user",
                "Create an account (admins only). It has no password: the person signs on "
                "with single sign-on or sets one through the forgotten-password link.",
                {"201": _ok("AdminUser", "The new person.")},
                errors=ON_ADMIN_WRITE,
                body="NewUser",
            ),
        },
        "/api/v1/admin/users/{person_id}": {
            "parameters": [PERSON_ID],
            "patch": _operation(
                "admin_update_user",
                "Change a person's e-mail, name, unit, role or active flag (admins only). "
                "Deactivating ends their sessions and API tokens at once and routes their "
                "open items again, recorded in each item's history.",
                {"200": _ok("AdminUser", "The person as they are now.")},
                errors=ON_ADMIN_PATCH,
                body="UserPatch",
            ),
        },
        "/api/v1/admin/units": {
            "get": _operation(
                "admin_list_units",
                "Every unit, retired ones too, by name (admins only).",
                {"200": _ok("AdminUnitPage")},
                errors=("BadRequest", "Forbidden"),
                parameters=_paging(per_page),
            ),
            "post": _operation(
                "admin_create_unit",
                "Create a unit (admins only).",
                {"201": _ok("AdminUnit", "The new unit.")},
                errors=ON_ADMIN_WRITE,
                body="NewUnit",
            ),
        },
        "/api/v1/admin/units/{code}": {
            "parameters": [UNIT_CODE],
            "patch": _operation(
                "admin_update_unit",
                "Rename, move, set or clear the manager, retire or reactivate a unit "
                "(admins only). A move that would make a cycle is refused (`parent`); a new "
                "manager, retiring or reactivating routes the unit's open items again.",
                {"200": _ok("AdminUnit", "The unit as it is now.")},
                errors=ON_ADMIN_PATCH,
                body="UnitPatch",
            ),
        },
    }


def _paths(per_page: int) -> dict:
    detail = _ok("ItemDetail", "The idea as it is now.")
    return {
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/api/v1/values": {
            "get": _operation(
                "list_values",
                "The organisation's values and their behaviours.",
                {"200": _ok("ValueList")},
            )
        },
        "/api/v1/concerns": {
            "get": _operation(
                "list_concerns",
                "The concerns the caller may see: their own, and those they handle or "
                "manage, newest first.",
                {"200": _ok("ItemPage")},
                errors=("BadRequest",),
                parameters=_list_parameters(per_page),
            ),
            "post": _operation(
                "create_concern",
                "Raise a concern.",
                {
                    "201": {
                        **_ok("ItemDetail", "The new concern."),
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    }
                },
                errors=("BadRequest", "Unprocessable"),
                body="NewConcern",
                files=True,
            ),
        },
        "/api/v1/concerns/{item_id}/attachments": {
            "parameters": [ITEM_ID],
            "post": _files_operation("add_concern_files", "concern"),
        },
        "/api/v1/concerns/{item_id}": {
            "parameters": [ITEM_ID],
            "get": _operation(
                "get_concern",
                "One concern with its history.",
                {"200": _ok("ItemDetail")},
                errors=ON_ITEM,
            ),
        },
        "/api/v1/me": {
            "get": _operation("get_me", "One's own account and settings.", {"200": _ok("Me")}),
            "patch": _operation(
                "patch_me",
                "Change one's digest frequency, absence or deputy.",
                {"200": _ok("Me")},
                errors=("BadRequest", "Unprocessable"),
                body="SettingsPatch",
            ),
        },
        "/api/v1/notifications": {
            "get": _operation(
                "list_notifications",
                "The caller's notifications, newest first: an item assigned or delegated "
                "to them, a status change, an answer, a merge or a comment on what they "
                "follow, a deadline near, an escalation.",
                {"200": _ok("NotificationPage")},
                errors=("BadRequest",),
                parameters=[
                    _query(
                        "unread",
                        "true: only the unread; false: only those read. Left out: all.",
                        {"type": "string", "enum": ["true", "false"]},
                    ),
                    *_paging(per_page, "Notifications per page."),
                ],
            )
        },
        "/api/v1/notifications/read": {
            "post": {
                **_operation(
                    "mark_notifications_read",
                    "Mark the caller's notifications read: those whose ids are given, or, "
                    "without a body, all of them. Ids that are not the caller's are left "
                    "alone (and not counted in `marked`).",
                    {"200": _ok("NotificationsMarked")},
                    errors=("BadRequest", "Unprocessable"),
                ),
                "requestBody": {
                    "required": False,
                    "content": {JSON: {"schema": ref("NotificationsRead")}},
                },
            }
        },
        "/api/v1/units": {
            "get": _operation("list_units", "The organisation's units.", {"200": _ok("UnitList")})
        },
        "/api/v1/ideas": {
            "get": _operation(
                "list_ideas",
                "Ideas, newest first (most relevant first when searching).",
                {"200": _ok("ItemPage")},
                errors=("BadRequest",),
                parameters=_list_parameters(per_page),
            ),
            "post": _operation(
                "create_idea",
                "Submit an idea. The caller becomes its author and follows it.",
                {
                    "201": {
                        **_ok("ItemDetail", "The new idea."),
                        "headers": {"Location": {"schema": {"type": "string"}}, **REPLAYED},
                    }
                },
                errors=("BadRequest", "Unprocessable"),
                body="NewIdea",
                parameters=[IDEMPOTENCY_KEY],
                files=True,
            ),
        },
        "/api/v1/ideas/{item_id}/attachments": {
            "parameters": [ITEM_ID],
            "post": _files_operation("add_idea_files", "idea"),
        },
        "/api/v1/files/{file_id}": {
            "parameters": [FILE_ID],
            "get": {
                **_operation(
                    "get_file",
                    "A file of an idea, a concern or a comment, for whoever may see the "
                    "item. Pictures and PDFs come `inline`, text as an `attachment`; always "
                    "`X-Content-Type-Options: nosniff`.",
                    {"200": FILE_CONTENT},
                    errors=("NotFound",),
                ),
            },
        },
        "/api/v1/files/{file_id}/thumbnail": {
            "parameters": [FILE_ID],
            "get": _operation(
                "get_file_thumbnail",
                "A picture's thumbnail (at most 320 px on its longest side); 404 for other files.",
                {"200": FILE_CONTENT},
                errors=("NotFound",),
            ),
        },
        "/api/v1/ideas/{item_id}": {
            "parameters": [ITEM_ID],
            "get": _operation(
                "get_idea", "One idea with its history.", {"200": detail}, errors=ON_ITEM
            ),
        },
        "/api/v1/ideas/{item_id}/transitions": {
            "parameters": [ITEM_ID],
            "post": _operation(
                "transition",
                "Move the idea to another status (managers of its unit or above, admins).",
                {"200": detail},
                errors=("BadRequest", "Forbidden", "NotFound", "Unprocessable"),
                body="NewTransition",
            ),
        },
        "/api/v1/ideas/{item_id}/support": {
            "parameters": [ITEM_ID],
            "post": _operation(
                "support",
                "Support the idea (once per person; again changes nothing).",
                {"200": detail},
                errors=("NotFound", "Unprocessable"),
            ),
            "delete": _operation(
                "withdraw_support", "Withdraw one's support.", {"200": detail}, errors=ON_ITEM
            ),
        },
        "/api/v1/ideas/{item_id}/comments": {
            "parameters": [ITEM_ID],
            "get": _operation(
                "list_comments",
                "The idea's comments, oldest first.",
                {"200": _ok("CommentList")},
                errors=ON_ITEM,
            ),
            "post": _operation(
                "add_comment",
                "Comment on the idea.",
                {"201": {**_ok("Comment", "The new comment."), "headers": REPLAYED}},
                errors=("BadRequest", "NotFound", "Unprocessable"),
                body="NewComment",
                parameters=[IDEMPOTENCY_KEY],
                files=True,
            ),
        },
        "/api/v1/ideas/{item_id}/comments/{comment_id}": {
            "parameters": [ITEM_ID, COMMENT_ID],
            "delete": _operation(
                "remove_comment",
                "Remove a comment and its files (its writer, or whoever may manage the "
                "idea). The idea's history says that a comment was removed, and by whom.",
                {"204": {"description": "Removed."}},
                errors=("Forbidden", "NotFound"),
            ),
        },
        "/api/v1/ideas/similar": {
            "get": _operation(
                "similar_ideas",
                "Up to five ideas whose title resembles the given one, most alike first: to "
                "support one instead of submitting a twin. Concerns and duplicates are never "
                "suggested; a title of fewer than three letters finds none.",
                {"200": _ok("ItemList")},
                errors=("BadRequest",),
                parameters=[
                    {
                        "name": "title",
                        "in": "query",
                        "required": True,
                        "description": "The title being written.",
                        "schema": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX},
                    }
                ],
            )
        },
        "/api/v1/stats": {
            "get": _operation(
                "get_stats",
                "The dashboard's numbers: a manager's units and those below, or (admins) "
                "the whole organisation; items submitted in the period.",
                {"200": _ok("Stats")},
                errors=ON_STATS,
                parameters=_stats_parameters(),
            )
        },
        "/api/v1/stats.csv": {
            "get": _operation(
                "get_stats_csv",
                "The same numbers as a CSV file (UTF-8 with a byte-order mark, a header "
                "row `metric,key,value`, one row per figure).",
                {
                    "200": {
                        "description": "CSV, as a download.",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                        "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                    }
                },
                errors=ON_STATS,
                parameters=_stats_parameters(),
            )
        },
        "/api/v1/inbox": {
            "get": _operation(
                "inbox",
                "The open ideas and concerns the caller answers for (their own, their units' "
                "and below, those of managers they stand in for, those delegated to them), "
                "nearest deadline first; at most 500.",
                {"200": _ok("Inbox")},
                errors=("BadRequest", "Forbidden"),
                parameters=[
                    _query("unit", "Only items of this unit (its code).", {"type": "string"}),
                    _query("status", "Only items in this status.", STATUS),
                    _query(
                        "kind",
                        "ideas or concerns.",
                        {"type": "string", "enum": ["idea", "concern"]},
                    ),
                    _query("value", "Only items serving this value.", {"type": "string"}),
                ],
            )
        },
        "/api/v1/ideas/{item_id}/forward": {
            "parameters": [ITEM_ID],
            "post": _operation(
                "forward",
                "Forward the idea or concern to another unit; routing runs again there.",
                {"200": detail},
                errors=("BadRequest", "Forbidden", "NotFound", "Unprocessable"),
                body="Forwarding",
            ),
        },
        "/api/v1/ideas/{item_id}/merge": {
            "parameters": [ITEM_ID],
            "post": _operation(
                "merge",
                "Merge a duplicate into its original: supports, followers and comments move.",
                {"200": detail},
                errors=("BadRequest", "Forbidden", "NotFound", "Unprocessable"),
                body="Merging",
            ),
        },
        "/api/v1/ideas/{item_id}/delegate": {
            "parameters": [ITEM_ID],
            "post": _operation(
                "delegate",
                "Give an employee the mandate to drive the item; the manager stays accountable.",
                {"200": detail},
                errors=("BadRequest", "Forbidden", "NotFound", "Unprocessable"),
                body="Delegation",
            ),
        },
        "/api/v1/ideas/{item_id}/adopt": {
            "parameters": [ITEM_ID],
            "post": _operation(
                "adopt",
                '"Vi vill också": adopt an implemented idea into a unit (a new linked idea).',
                {"201": _ok("ItemDetail", "The new idea, with `adopted_from`.")},
                errors=("BadRequest", "NotFound", "Unprocessable"),
                body="Adoption",
            ),
        },
        "/api/v1/reports": {
            "get": _operation(
                "list_reports",
                "The whistleblowing cases the calling case handler may read (case handlers "
                "only), nearest deadline first.",
                {"200": _ok("CaseList")},
                errors=("Forbidden",),
            ),
        },
        "/api/v1/reports/{report_id}": {
            "parameters": [REPORT_ID],
            "get": _operation(
                "get_report",
                "One case with its mailbox (case handlers only).",
                {"200": _ok("CaseDetail")},
                errors=ON_CASE,
            ),
        },
        "/api/v1/reports/{report_id}/messages": {
            "parameters": [REPORT_ID],
            "post": _operation(
                "post_report_message",
                "Write to the reporter in the case's mailbox.",
                {"201": _ok("CaseEntry", "The new message.")},
                errors=("BadRequest", *ON_CASE, "Unprocessable"),
                body="CaseMessage",
            ),
        },
        "/api/v1/reports/{report_id}/acknowledge": {
            "parameters": [REPORT_ID],
            "post": _operation(
                "acknowledge_report",
                "Confirm receipt to the reporter (the 7-day promise).",
                {"200": _ok("Case")},
                errors=(*ON_CASE, "Unprocessable"),
            ),
        },
        "/api/v1/reports/{report_id}/close": {
            "parameters": [REPORT_ID],
            "post": _operation(
                "close_report",
                "Close the case with an outcome.",
                {"200": _ok("Case")},
                errors=("BadRequest", *ON_CASE, "Unprocessable"),
                body="CaseClosing",
            ),
        },
        **_admin_paths(per_page),
        "/api/v1/ideas/{item_id}/follow": {
            "parameters": [ITEM_ID],
            "post": _operation(
                "follow",
                "Follow the idea (be told of its changes).",
                {"200": detail},
                errors=ON_ITEM,
            ),
            "delete": _operation(
                "unfollow", "Stop following the idea.", {"200": detail}, errors=ON_ITEM
            ),
        },
    }


@functools.cache
def request_schemas() -> dict:
    """The request bodies' JSON Schemas, from the pydantic models that check them."""
    keyed, defs = models_json_schema(
        [(model, "validation") for model in REQUEST_BODIES],
        ref_template="#/components/schemas/{model}",
    )
    schemas = dict(defs.get("$defs", {}))
    for (model, _mode), schema in keyed.items():
        if "$ref" not in schema:
            schemas[model.__name__] = schema
    return schemas


# The reading endpoints that answer conditional requests (ideas/page_cache.py).
CONDITIONAL = frozenset(
    endpoint.removeprefix("api.")
    for endpoint in page_cache.API_ITEM | page_cache.API_LIST | page_cache.API_ORG
)
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The `ETag` of an earlier answer to the same caller: while nothing it "
    "shows has changed, the answer is `304 Not Modified`, without a body.",
    "schema": {"type": "string"},
}


def _conditional(paths: dict) -> dict:
    """The operations in CONDITIONAL take ``If-None-Match``, tag their answer with an
    ``ETag`` and may answer 304."""
    for operations in paths.values():
        get = operations.get("get")
        if not get or get.get("operationId") not in CONDITIONAL:
            continue
        get["parameters"] = [*get.get("parameters", []), IF_NONE_MATCH]
        ok = get["responses"]["200"]
        etag = {
            "description": "This answer's version, for this caller.",
            "schema": {"type": "string"},
        }
        get["responses"]["200"] = {**ok, "headers": {**ok.get("headers", {}), "ETag": etag}}
        get["responses"]["304"] = {
            "description": "Not modified since the answer whose `ETag` was sent.",
            "headers": {"ETag": etag},
        }
    return paths


def document(base_url: str, per_page: int) -> dict:
    """The document for an app served at ``base_url`` with pages of ``per_page`` items."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ideas API",
            "version": "1",
            "description": (
                "Improvement ideas: submit, list and search, follow their life, support, "
                "comment. Authenticate with a personal API token: "
                "`Authorization: Bearer <token>`. Errors are JSON (`Error`): `field` names "
                "the input at fault, and nothing is written."
            ),
        },
        "servers": [{"url": base_url}],
        "security": [{"bearerAuth": []}],
        "paths": _conditional(_paths(per_page)),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (they start with `ideas_`).",
                }
            },
            "schemas": {**RESPONSE_SCHEMAS, **request_schemas()},
            "responses": ERROR_RESPONSES,
        },
    }


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document(current_app.config["BASE_URL"], current_app.config["PER_PAGE"]))

"""Request bodies and query arguments, checked before any service is called.

Bodies are pydantic models in strict mode: a number where text belongs, or a single
string where a list belongs, is refused rather than converted. Unknown keys are refused
too (``extra="forbid"``): a misspelt optional key (``"benefits"``) would otherwise be
dropped silently and the caller's text lost without a word. Lengths are the database's
(ideas/models/items.py); text is stripped first, as the services do.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Literal, TypeVar

from flask import current_app, request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ideas.blueprints.api.errors import ApiError
from ideas.models import ROLES, STATUSES
from ideas.models.items import BENEFIT_MAX, COMMENT_MAX, DESCRIPTION_MAX, REASON_MAX, TITLE_MAX
from ideas.services.search import MAX_QUERY
from ideas.services.uploads import Upload, read_uploads

UNIT_CODE_MAX = 40
VALUE_NAME_MAX = 100
MAX_PER_PAGE = 100
MAX_PAGE = 10**9  # keeps the offset within what every database accepts


def _text(max_length: int, *, required: bool = True):
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=int(required), max_length=max_length),
    ]


Title = _text(TITLE_MAX)
Description = _text(DESCRIPTION_MAX)
Benefit = _text(BENEFIT_MAX, required=False)
UnitCode = _text(UNIT_CODE_MAX)
ValueName = _text(VALUE_NAME_MAX)
Reason = _text(REASON_MAX, required=False)
CommentBody = _text(COMMENT_MAX)
StatusName = Literal[tuple(STATUSES)]


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class NewIdea(Body):
    """A new improvement idea."""

    title: Title = Field(description="A short name for the idea.")
    description: Description = Field(description="What should change, and how.")
    benefit: Benefit = Field("", description="What it would bring, and to whom.")
    unit: UnitCode = Field(description="The code of the unit concerned (GET /units).")
    values: list[ValueName] = Field(
        min_length=1, max_length=20, description="Names of the values it serves (GET /values)."
    )
    category: _text(100, required=False) | None = Field(
        None, description="A category's name; one with an owning unit routes the idea there."
    )


class NewConcern(Body):
    """A new concern: seen only by its submitter and the managers responsible."""

    title: Title = Field(description="A short name for the concern.")
    description: Description = Field(description="What happens, where, and the risk.")
    unit: UnitCode = Field(description="The code of the unit concerned (GET /units).")
    values: list[ValueName] = Field(
        min_length=1, max_length=20, description="Names of the values it concerns."
    )
    confidential: bool = Field(
        False, description="Show the submitter's name only to the manager who has it."
    )
    about_manager: bool = Field(
        False, description="It is about one's own manager: route one level above."
    )


Learned = _text(5_000, required=False)
Amount = Annotated[float, Field(ge=0, lt=1e9)]


class NewTransition(Body):
    """A move of an item to another status, as its life allows."""

    status: StatusName = Field(description="The status to move to.")
    comment: Reason = Field(
        "",
        description="Why; required for every decision: accepting, declining, forwarding, merging.",
    )
    outcome: Learned | None = Field(
        None, description="`implemented`: what was done (required then)."
    )
    lessons: Learned | None = Field(
        None, description="`implemented`: what was learned (required then)."
    )
    effect: Learned | None = Field(
        None,
        description="`evaluated`: the effect seen after the evaluation period (required then).",
    )
    hours_saved: Amount | None = Field(None, description="Working hours saved a year, if known.")
    money_saved: Amount | None = Field(None, description="Kronor saved a year, if known.")


class Forwarding(Body):
    """Send an item to another unit; routing runs again there."""

    unit: UnitCode = Field(description="The code of the unit that takes over.")
    comment: _text(REASON_MAX) = Field(description="Why, for both sides and the submitter.")


class Merging(Body):
    """Close an item as a duplicate of an earlier one."""

    into: Annotated[int, Field(ge=1, le=2**31 - 1)] = Field(description="The original's id.")


class Delegation(Body):
    """Give an employee the mandate to drive the item (medledarskap)."""

    email: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)
    ] = Field(description="The employee's e-mail address.")


class Adoption(Body):
    """ "Vi vill också": adopt an implemented idea into a unit."""

    unit: UnitCode = Field(description="The code of the adopting unit.")


class NewComment(Body):
    """A comment on an idea."""

    body: CommentBody = Field(description="The comment (plain text).")


class SettingsPatch(Body):
    """Changes to one's own settings; keys left out stay as they are."""

    digest_frequency: Literal["none", "daily", "weekly", "monthly"] | None = Field(
        None, description="How often the digest comes by e-mail."
    )
    absent: bool | None = Field(None, description="Away: new items go to the deputy.")
    deputy: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = Field(
        None, description='The deputy\'s e-mail address; null or "" removes the deputy.'
    )


MARK_MAX = 1000  # notifications marked read in one request


class NotificationsRead(Body):
    """Which of one's notifications to mark read. Without ``ids`` (or with no body at
    all), every unread one; ids that are not the caller's are left alone."""

    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        max_length=MARK_MAX, description="Ids of the caller's notifications."
    )


class CaseMessage(Body):
    """A case handler's message to the reporter, in the case's mailbox."""

    body: _text(20_000) = Field(description="The message (plain text).")


class CaseClosing(Body):
    """How a case ends."""

    outcome: Literal[
        "measures_taken", "unfounded", "referred", "insufficient_information", "other"
    ] = Field(description="The outcome, for the register.")


# The admin API (``api.admin``): provisioning people and units from a script.

EMAIL_MAX = 254
PERSON_NAME_MAX = 200
UNIT_NAME_MAX = 200
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=EMAIL_MAX)]
OptionalEmail = _text(EMAIL_MAX, required=False)
OptionalUnitCode = _text(UNIT_CODE_MAX, required=False)
RoleName = Literal[tuple(ROLES)]


def _drop_default(schema: dict) -> None:
    schema.pop("default", None)


def _may_be_left_out(description: str):
    """A key that may be left out (it then stays as it is) but, when given, not null."""
    return Field(None, description=description, json_schema_extra=_drop_default)


class NewUser(Body):
    """A new account. It has no password: the person signs on with single sign-on, or
    chooses a password through the forgotten-password link on the login page."""

    email: Email = Field(description="The person's e-mail address (unique).")
    name: _text(PERSON_NAME_MAX) = Field(description="The person's name.")
    unit: OptionalUnitCode | None = Field(
        None, description='The code of the person\'s home unit; null or "": none.'
    )
    role: RoleName = Field("employee", description="The person's role.")


class UserPatch(Body):
    """Changes to a person; keys left out stay as they are. `active: false` ends the
    person's sessions and API tokens and routes their open items again."""

    email: Email = _may_be_left_out("A new e-mail address (unique).")
    name: _text(PERSON_NAME_MAX) = _may_be_left_out("A new name.")
    unit: OptionalUnitCode | None = Field(
        None, description='The code of the new home unit; null or "": none.'
    )
    role: RoleName = _may_be_left_out("A new role.")
    active: bool = _may_be_left_out("false deactivates the person, true reactivates them.")


class NewUnit(Body):
    """A new unit of the organisation tree."""

    code: UnitCode = Field(description="The unit's code (unique, no spaces).")
    name: _text(UNIT_NAME_MAX) = Field(description="The unit's name.")
    parent: OptionalUnitCode | None = Field(
        None, description='The parent unit\'s code; null or "": a root.'
    )
    manager: OptionalEmail | None = Field(
        None,
        description='The manager\'s e-mail address (an active manager or admin); null or "": none.',
    )


class UnitPatch(Body):
    """Changes to a unit; keys left out stay as they are. A new manager, or retiring
    (`active: false`) or reactivating, routes the unit's open items again."""

    code: UnitCode = _may_be_left_out("A new code (unique, no spaces).")
    name: _text(UNIT_NAME_MAX) = _may_be_left_out("A new name.")
    parent: OptionalUnitCode | None = Field(
        None, description='The new parent\'s code; null or "": a root. A cycle is refused.'
    )
    manager: OptionalEmail | None = Field(
        None, description='The new manager\'s e-mail address; null or "": none.'
    )
    active: bool = _may_be_left_out(
        "false retires the unit (refused while it has active sub-units), true reactivates it."
    )


REQUEST_BODIES: list[type[Body]] = [
    NewIdea,
    NewConcern,
    NewTransition,
    NewComment,
    SettingsPatch,
    NotificationsRead,
    CaseMessage,
    CaseClosing,
    Forwarding,
    Merging,
    Delegation,
    Adoption,
    NewUser,
    UserPatch,
    NewUnit,
    UnitPatch,
]

B = TypeVar("B", bound=Body)


def _location(loc: tuple) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)[1:]


def parse_body(model: type[B]) -> B:
    """The request's JSON body as ``model``: 400 if it is not a JSON object, 422 naming
    every field at fault (``field`` is the first) if it does not fit."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(400, "The request body is empty: send a JSON object.")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return _validated(model, data)


FILES_FIELD = "files"
MULTIPART = "multipart/form-data"


def is_multipart() -> bool:
    return request.mimetype == MULTIPART


def parse_submission(model: type[B]) -> tuple[B, list[Upload]]:
    """A body that may come with files: JSON (no files), or ``multipart/form-data``
    with the same fields as form fields (a list as the field repeated, a boolean as
    ``true`` or ``false``) and the files in ``files``."""
    if not is_multipart():
        return parse_body(model), []
    return _validated(model, _form_fields(model)), request_files()


def request_files() -> list[Upload]:
    """The files of a multipart request, all in ``files`` (another name is refused: a
    file the caller meant to send must not be dropped without a word)."""
    for name in request.files:
        if name != FILES_FIELD:
            raise ApiError(422, f"{name}: send files in the field '{FILES_FIELD}'.", name)
    return read_uploads(request.files.getlist(FILES_FIELD))


_BOOLEANS = {"true": True, "false": False}


def _form_fields(model: type[Body]) -> dict:
    """The form fields as the JSON object they stand for, by the model's field types."""
    data: dict = {}
    for name in request.form:
        values = request.form.getlist(name)
        annotation = model.model_fields[name].annotation if name in model.model_fields else str
        kinds = _kinds(annotation)
        if list in kinds:
            data[name] = values
            continue
        if len(values) > 1:
            raise ApiError(422, f"{name}: give it once.", name)
        value = values[0]
        if bool in kinds:
            if value.strip().lower() not in _BOOLEANS:
                raise ApiError(422, f"{name}: true or false.", name)
            data[name] = _BOOLEANS[value.strip().lower()]
        else:
            data[name] = value
    return data


def _kinds(annotation) -> set:
    """The plain types an annotation allows (``list[str] | None`` -> {list, NoneType})."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_kinds(arg) for arg in typing.get_args(annotation)))
    return {origin or annotation}


def _validated(model: type[B], data: dict) -> B:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            name = str(loc[0]) if loc else "body"
            message = error["msg"] + "."
            if len(loc) > 1:  # an element of a list: say which
                message = f"{_location(loc)}: {message}"
            fields.setdefault(name, message)
        first = next(iter(fields))
        raise ApiError(422, f"{first}: {fields[first]}", first, fields=fields) from None


@dataclass
class ListArgs:
    q: str
    status: str
    value: str
    unit: str
    page: int
    per_page: int


def _whole_number(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise ApiError(400, f"{name} must be a whole number from 1 to {maximum}.", name)
    return int(raw)


@dataclass
class NotificationArgs:
    unread: bool | None
    page: int
    per_page: int


def notification_args() -> NotificationArgs:
    """``unread`` (true or false; left out: all), ``page`` and ``per_page``: 400 naming
    the argument at fault."""
    raw = request.args.get("unread")
    if raw is not None and raw not in ("true", "false"):
        raise ApiError(400, "unread must be true or false.", "unread")
    return NotificationArgs(
        unread=None if raw is None else raw == "true",
        page=_whole_number("page", 1, MAX_PAGE),
        per_page=_whole_number("per_page", current_app.config["PER_PAGE"], MAX_PER_PAGE),
    )


def list_args() -> ListArgs:
    """The list's query arguments: 400 naming the argument at fault."""
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY:
        raise ApiError(400, f"The search text can be at most {MAX_QUERY} characters.", "q")
    status = request.args.get("status", "").strip()
    if status and status not in STATUSES:
        raise ApiError(400, f"Unknown status: {status}. Known: {', '.join(STATUSES)}.", "status")
    return ListArgs(
        q=q,
        status=status,
        value=request.args.get("value", "").strip(),
        unit=request.args.get("unit", "").strip(),
        page=_whole_number("page", 1, MAX_PAGE),
        per_page=_whole_number("per_page", current_app.config["PER_PAGE"], MAX_PER_PAGE),
    )

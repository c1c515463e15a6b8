"""The dashboard's numbers over the API: ``GET /stats`` (JSON) and ``GET /stats.csv``.

For managers (their units and those below) and admins (the whole organisation); 403
for everyone else. Query: ``unit`` (a unit's code: its subtree), ``from`` and ``to``
(``YYYY-MM-DD``, UTC days, both included, on the items' creation). A malformed date or
an end before the start is a 400, an unknown unit a 422, a unit outside one's own a 403;
each names the argument in ``field``. The numbers are defined in ``services.stats``.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from ideas.blueprints.api import bp
from ideas.blueprints.api.auth import api_user
from ideas.blueprints.api.errors import ApiError
from ideas.models import STATUSES
from ideas.services import stats
from ideas.services.errors import NotAllowed


def _obj(properties: dict, description: str = "") -> dict:
    """An object with exactly these properties (as ``openapi.obj``)."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {**schema, "description": description} if description else schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_COUNT = {"type": "integer", "minimum": 0}
_DAY = {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
_DAYS = {
    "anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}],
    "description": "Median days from submission, one decimal; null when no item has one.",
}
_GROUP = {
    "submitted": _COUNT,
    "decided": _COUNT,
    "implemented": _COUNT,
    "answered_in_time": _ref("AnsweredInTime"),
}
_UNIT = _obj({"code": {"type": "string"}, "name": {"type": "string"}})

# The response schemas of this module, for the OpenAPI document (``openapi`` merges
# them into its own): described beside the serializer below, so they cannot drift.
RESPONSE_SCHEMAS = {
    "AnsweredInTime": _obj(
        {
            "in_time": {**_COUNT, "description": "First answers given by their deadline."},
            "due": {
                **_COUNT,
                "description": "Items answered, or unanswered past their deadline.",
            },
            "share": {
                "anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}],
                "description": "in_time / due, three decimals; null when nothing is due.",
            },
        },
        "Do we keep the promise of a first answer in time?",
    ),
    "Stats": _obj(
        {
            "scope": _obj(
                {
                    "unit": {
                        "anyOf": [{"type": "string"}, {"type": "null"}],
                        "description": "The unit (code) whose subtree is counted, if narrowed.",
                    },
                    "from": _DAY,
                    "to": _DAY,
                    "whole_organisation": {"type": "boolean"},
                }
            ),
            "total": {**_COUNT, "description": "Ideas and concerns submitted."},
            "by_kind": _obj({"idea": _COUNT, "concern": _COUNT}),
            "by_status": _obj(dict.fromkeys(STATUSES, _COUNT)),
            "by_value": {
                "type": "array",
                "items": _obj({"name": {"type": "string"}, **_GROUP}),
                "description": "Every active value, in the organisation's order; an item "
                "with several values counts under each.",
            },
            "by_unit": {
                "type": "array",
                "items": _obj({"code": {"type": "string"}, "name": {"type": "string"}, **_GROUP}),
                "description": "The units concerned that have items, most first.",
            },
            "decided": _COUNT,
            "implemented": _COUNT,
            "answered_in_time": _ref("AnsweredInTime"),
            "median_days_to_first_answer": _DAYS,
            "median_days_to_decision": _DAYS,
            "implemented_per_month": {
                "type": "object",
                "propertyNames": {"pattern": "^[0-9]{4}-[0-9]{2}$"},
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": _COUNT,
                    "description": "Value name -> items implemented that month.",
                },
                "description": "UTC month (YYYY-MM) of implementation -> value -> items.",
            },
            "spread": _obj(
                {
                    "total": {**_COUNT, "description": "Adoptions of ideas from the scope."},
                    "top": {
                        "type": "array",
                        "maxItems": stats.SPREAD_TOP,
                        "items": _obj(
                            {
                                "id": {"type": "integer"},
                                "title": {"type": "string"},
                                "unit": _UNIT,
                                "adoptions": {"type": "integer", "minimum": 1},
                                "url": {"type": "string", "format": "uri"},
                            }
                        ),
                    },
                }
            ),
        },
        "A dashboard's numbers: the caller's units (managers) or the whole organisation "
        "(admins), items created in the period.",
    ),
}


def _stats() -> stats.Stats:
    """The caller's numbers for the query's filters (errors answered as JSON)."""
    user = api_user()
    if not stats.can_view_stats(user):
        raise NotAllowed("Only managers and admins can see statistics.")
    args = request.args
    try:
        filters = stats.parse_filters(args.get("unit"), args.get("from"), args.get("to"))
    except stats.InvalidFilters as err:
        fields = {name: str(message) for name, message in err.errors.items()}
        first = next(iter(fields))
        raise ApiError(400, f"{first}: {fields[first]}", first, fields=fields) from None
    return stats.compute_for(stats.resolve_scope(user, filters))


def _counts(group: stats.GroupCounts) -> dict:
    return {
        "submitted": group.submitted,
        "decided": group.decided,
        "implemented": group.implemented,
        "answered_in_time": share_json(group.answered),
    }


def share_json(share: stats.Share) -> dict:
    return {"in_time": share.kept, "due": share.due, "share": share.share}


def stats_json(numbers: stats.Stats) -> dict:
    """The numbers as the OpenAPI schema ``Stats`` describes them."""
    scope = numbers.scope
    base_url = current_app.config["BASE_URL"]
    return {
        "scope": {
            "unit": scope.unit.code if scope.unit else None,
            "from": scope.date_from.isoformat() if scope.date_from else None,
            "to": scope.date_to.isoformat() if scope.date_to else None,
            "whole_organisation": scope.whole_organisation,
        },
        "total": numbers.total,
        "by_kind": numbers.by_kind,
        "by_status": numbers.by_status,
        "by_value": [{"name": g.key, **_counts(g)} for g in numbers.by_value],
        "by_unit": [{"code": g.key, "name": g.label, **_counts(g)} for g in numbers.by_unit],
        "decided": numbers.decided,
        "implemented": numbers.implemented,
        "answered_in_time": share_json(numbers.answered_in_time),
        "median_days_to_first_answer": numbers.median_days_to_first_answer,
        "median_days_to_decision": numbers.median_days_to_decision,
        "implemented_per_month": numbers.implemented_per_month,
        "spread": {
            "total": numbers.spread,
            "top": [
                {
                    "id": o.id,
                    "title": o.title,
                    "unit": {"code": o.unit_code, "name": o.unit_name},
                    "adoptions": o.adoptions,
                    "url": f"{base_url}/ideas/{o.id}",
                }
                for o in numbers.spread_top
            ],
        },
    }


@bp.get("/stats")
def get_stats():
    return jsonify(stats_json(_stats()))


@bp.get("/stats.csv")
def get_stats_csv():
    return Response(
        stats.to_csv(_stats()),
        content_type=stats.CSV_CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{stats.CSV_FILENAME}"'},
    )

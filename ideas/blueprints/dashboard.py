"""The dashboard: how the units keep their promises ("håller vad vi lovar").

Managers see the units they manage and those below; admins the whole organisation;
nobody else has one (403). The numbers come from ``services.stats``; this module reads
the filters, draws the charts (``ideas.charts``) and offers the same numbers as CSV.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from ideas import charts
from ideas.models import STATUS_LABELS, Role, Status
from ideas.services import stats
from ideas.services.errors import DomainError, NotAllowed

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

FILTER_ARGS = ("unit", "from", "to")
UNITS_CHARTED = 20  # more bars than this help nobody: the table has every unit


@bp.before_request
def _managers_and_admins_only():
    if not stats.can_view_stats(current_user):
        abort(403, description=_("Only managers and admins can see the dashboard."))


@bp.context_processor
def _number_formats():
    return {
        "percent": lambda share: format_percent(share),
        "decimal": lambda number: format_decimal(number, format="0.0"),
    }


def _filter_args() -> dict[str, str]:
    """The filters given, as they were given (for links to the same selection)."""
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def _read() -> tuple[stats.Stats | None, dict[str, str], int]:
    """The numbers for the request's filters; or, when a filter is wrong, no numbers,
    the message for each filter at fault and the status to answer with."""
    args = request.args
    try:
        filters = stats.parse_filters(args.get("unit"), args.get("from"), args.get("to"))
        return stats.compute_for(stats.resolve_scope(current_user, filters)), {}, 200
    except stats.InvalidFilters as err:
        return None, {name: str(message) for name, message in err.errors.items()}, 400
    except DomainError as err:
        if err.field is None:
            abort(403 if isinstance(err, NotAllowed) else 400, description=str(err.message))
        return None, {err.field: str(err.message)}, 403 if isinstance(err, NotAllowed) else 400


def _charts(numbers: stats.Stats) -> dict:
    """The charts of the page, their titles in the reader's language."""
    units = numbers.by_unit[:UNITS_CHARTED]
    unit_title = (
        _("Items per unit, the %(n)d with most", n=UNITS_CHARTED)
        if len(numbers.by_unit) > UNITS_CHARTED
        else _("Items per unit")
    )
    implemented_values = [
        (g.key, _("Implemented per month: %(value)s", value=g.label))
        for g in numbers.by_value
        if any(g.key in per for per in numbers.implemented_per_month.values())
    ]
    return {
        "status": charts.bar_chart(
            "chart-status",
            _("Items per status"),
            [(str(STATUS_LABELS[Status(s)]), n) for s, n in numbers.by_status.items()],
        ),
        "value": charts.bar_chart(
            "chart-value", _("Items per value"), [(g.label, g.submitted) for g in numbers.by_value]
        ),
        "unit": charts.bar_chart("chart-unit", unit_title, [(g.label, g.submitted) for g in units]),
        "months": charts.small_multiples(
            "chart-month", implemented_values, numbers.months, numbers.implemented_per_month
        ),
    }


@bp.get("")
def index():
    numbers, errors, status = _read()
    return render_template(
        "dashboard/index.html",
        stats=numbers,
        charts=_charts(numbers) if numbers is not None else None,
        errors=errors,
        units=stats.selectable_units(current_user, numbers.scope if numbers else None),
        args=request.args,
        export_args=_filter_args(),
        whole_organisation=current_user.role == Role.ADMIN,
    ), status


@bp.get("/export.csv")
def export():
    """The same numbers as the page (and as ``GET /api/v1/stats.csv``), as a file."""
    numbers, errors, status = _read()
    if numbers is None:
        abort(status, description=" ".join(errors.values()))
    return Response(
        stats.to_csv(numbers),
        content_type=stats.CSV_CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{stats.CSV_FILENAME}"'},
    )

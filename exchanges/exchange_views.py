"""Pages of one exchange: its plan, financing, results and the actions of those taking part."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from catalogue.models import Solution
from core.forms import add_service_errors, error_text
from core.permissions import verified_member_required
from hubs.models import Hub
from hubs.permissions import is_curator

from . import exchange_selectors as selectors
from . import permissions, services
from .exchange_forms import (
    ExchangePlanForm,
    ExchangeRecordForm,
    RateForm,
    ResultForm,
    financing_formset,
)
from .models import Exchange, ExchangeResult

E = Exchange.Status
STATUS_ACTIONS = {
    E.UNDER_WAY: gettext_lazy("Mark as under way"),
    E.COMPLETED: gettext_lazy("Mark as completed"),
    E.CANCELLED: gettext_lazy("Cancel the exchange"),
}


def _visible_exchange(request, slug) -> Exchange:
    exchange = selectors.exchange_for_page(slug)
    if exchange is None or not permissions.can_see_exchange(request.user, exchange):
        raise Http404
    return exchange


def _sides(user, exchange) -> list[str]:
    sides = []
    if permissions.provider_side(user, exchange):
        sides.append(ExchangeResult.Side.PROVIDER.value)
    if permissions.recipient_side(user, exchange):
        sides.append(ExchangeResult.Side.RECIPIENT.value)
    return sides


def _render_detail(request, exchange, *, report_form=None, rate_form=None):
    user = request.user
    sides = _sides(user, exchange)
    manage = bool(sides) or is_curator(user)
    results = list(exchange.results.all())
    replications = list(exchange.replications.all())
    replicated = {r.solution_id for r in replications}
    completed = exchange.status == E.COMPLETED
    has_adoption = any(r.is_adoption for r in results)
    financing, total, basis = selectors.financing_mix(exchange.financing.all())
    solutions = list(exchange.solutions.all())
    return render(
        request,
        "exchanges/exchange/detail.html",
        {
            "exchange": exchange,
            "steps": selectors.status_steps(exchange),
            "provider_hubs": list(exchange.provider_hubs.all()),
            "solutions": solutions,
            "financing": financing,
            "financing_total": total,
            "financing_basis": basis,
            "results_by_side": selectors.results_by_side(results),
            "has_results": bool(results),
            "replications": replications,
            "can_see_request": exchange.request_id is not None
            and permissions.can_see_request(user, exchange.request),
            "can_manage": manage,
            "can_edit": manage and exchange.status != E.CANCELLED,
            "status_actions": [
                (value, STATUS_ACTIONS[value])
                for value in STATUS_ACTIONS
                if value in services.TRANSITIONS.get(E(exchange.status), set())
            ]
            if manage
            else [],
            "report_form": report_form
            or (
                ResultForm(sides=sides)
                if sides and exchange.status in (E.UNDER_WAY, E.COMPLETED)
                else None
            ),
            "can_report": bool(sides),
            "rate_form": rate_form
            or (
                RateForm(
                    initial={
                        "usefulness": exchange.usefulness,
                        "comment": exchange.usefulness_comment,
                    }
                )
                if completed and ExchangeResult.Side.RECIPIENT in sides
                else None
            ),
            "replicable": [s for s in solutions if s.pk not in replicated and s.published_id]
            if manage and completed and has_adoption
            else [],
        },
    )


@require_safe
def exchange_detail(request, slug):
    return _render_detail(request, _visible_exchange(request, slug))


@require_POST
@verified_member_required
def exchange_status(request, slug):
    exchange = _visible_exchange(request, slug)
    if not permissions.can_manage_exchange(request.user, exchange):
        raise PermissionDenied(_("Only those taking part in this exchange can change it."))
    try:
        exchange = services.exchange_set_status(
            exchange=exchange, user=request.user, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("The exchange is now “%(status)s”.") % {"status": exchange.get_status_display()},
        )
    return redirect(exchange)


@require_POST
@verified_member_required
def result_report(request, slug):
    exchange = _visible_exchange(request, slug)
    sides = _sides(request.user, exchange)
    side = request.POST.get("side", "")
    if not sides or (side in ExchangeResult.Side.values and side not in sides):
        raise PermissionDenied(_("Only those taking part on that side can report its results."))
    form = ResultForm(request.POST, sides=sides)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors in the result."))
        return _render_detail(request, exchange, report_form=form)
    try:
        services.result_report(exchange=exchange, user=request.user, data=form.result_data())
    except ValidationError as error:
        add_service_errors(form, error)
        messages.error(request, error_text(error))
        return _render_detail(request, exchange, report_form=form)
    messages.success(request, _("Thank you. The result is recorded."))
    return redirect(exchange.get_absolute_url() + "#results-title")


@require_POST
@verified_member_required
def rate(request, slug):
    exchange = _visible_exchange(request, slug)
    if not permissions.recipient_side(request.user, exchange):
        raise PermissionDenied(_("Only the recipient can rate the usefulness of an exchange."))
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
        return _render_detail(request, exchange, rate_form=form)
    try:
        services.usefulness_rate(
            exchange=exchange,
            user=request.user,
            rating=form.cleaned_data["usefulness"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Thank you for rating this exchange."))
    return redirect(exchange)


@require_POST
@verified_member_required
def replicate(request, slug):
    exchange = _visible_exchange(request, slug)
    if not permissions.can_manage_exchange(request.user, exchange):
        raise PermissionDenied(_("Only those taking part in this exchange can do this."))
    solution_id = request.POST.get("solution", "")
    solution = (
        Solution.objects.filter(pk=int(solution_id)).first() if solution_id.isdigit() else None
    )
    if solution is None:
        messages.error(request, _("This solution is not part of the exchange."))
        return redirect(exchange)
    try:
        services.replication_from_exchange(exchange=exchange, user=request.user, solution=solution)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The exchange is now part of the solution's adoption history."))
    return redirect(exchange)


@verified_member_required
def exchange_edit(request, slug):
    exchange = _visible_exchange(request, slug)
    if not permissions.can_manage_exchange(request.user, exchange):
        raise PermissionDenied(_("Only those taking part in this exchange can change it."))
    data = request.POST if request.method == "POST" else None
    # The form works on a copy, so the page header keeps the saved title.
    form = ExchangePlanForm(data, instance=copy.copy(exchange))
    formset = financing_formset(data, exchange)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.exchange_update(
                exchange=exchange,
                user=request.user,
                data={**form.plan_data(), "financing": formset.rows()},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The exchange plan is saved."))
            return redirect(exchange)
    return render(
        request,
        "exchanges/exchange/edit.html",
        {"exchange": exchange, "form": form, "formset": formset},
    )


@verified_member_required
def exchange_new(request):
    if not permissions.can_record_exchange(request.user):
        raise PermissionDenied(_("Only hub editors and curators can record exchanges."))
    data = request.POST if request.method == "POST" else None
    own_hubs = list(Hub.objects.edited_by(request.user).order_by("name"))
    initial = {"provider_hubs": own_hubs[:1]} if len(own_hubs) == 1 else {}
    form = ExchangeRecordForm(
        data,
        initial=initial,
        user=request.user,
        may_record_for_anyone=permissions.can_broker(request.user),
    )
    formset = financing_formset(data)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            exchange = services.exchange_record(
                user=request.user, data={**form.plan_data(), "financing": formset.rows()}
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The exchange is recorded."))
            return redirect(exchange)
    return render(
        request,
        "exchanges/exchange/edit.html",
        {"form": form, "formset": formset, "own_hubs": own_hubs, "creating": True},
    )

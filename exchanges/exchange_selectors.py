"""Reads for the exchange pages and the exchanges section of a hub's profile, with their joins."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from catalogue.models import Replication, Solution

from . import permissions
from .models import Exchange, ExchangeResult

E = Exchange.Status
STEPS = [E.PLANNED, E.UNDER_WAY, E.COMPLETED]


def exchange_for_page(slug: str):
    """The exchange with everything its page shows, or None."""
    return (
        Exchange.objects.filter(slug=slug)
        .select_related("request", "recipient_hub", "priority_area", "created_by")
        .prefetch_related(
            "provider_hubs",
            "financing",
            Prefetch(
                "solutions",
                queryset=Solution.objects.select_related("published").order_by("slug"),
            ),
            Prefetch(
                "results",
                queryset=ExchangeResult.objects.select_related("reported_by").order_by(
                    "reported_at", "pk"
                ),
            ),
            Prefetch(
                "replications",
                queryset=Replication.objects.select_related("solution__published").order_by(
                    "created", "pk"
                ),
            ),
        )
        .first()
    )


def status_steps(exchange: Exchange) -> list[dict]:
    """planned → under way → completed, each marked done, current or to come."""
    if exchange.status == E.CANCELLED:
        return [{"value": step.value, "label": step.label, "state": "off"} for step in STEPS]
    current = STEPS.index(E(exchange.status))
    return [
        {
            "value": step.value,
            "label": step.label,
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, step in enumerate(STEPS)
    ]


@dataclass
class FinancingRow:
    label: str
    source: str
    amount: Decimal | None
    share: int | None
    note: str
    width: float = 0.0
    offset: float = 0.0


def financing_mix(rows) -> tuple[list[FinancingRow], Decimal | None, str]:
    """The rows of the financing mix with the bar widths (in %), the total amount, and the basis.

    The bar is drawn from the amounts when every row has one, otherwise from the stated
    shares; the basis says which ("amounts", "shares" or "").
    """
    items = [
        FinancingRow(
            label=str(row.get_source_display()),
            source=row.source,
            amount=row.amount,
            share=row.share,
            note=row.note,
        )
        for row in rows
    ]
    amounts = [item.amount for item in items]
    total = sum(amounts, Decimal(0)) if items and all(a is not None for a in amounts) else None
    if total:
        basis = "amounts"
        for item in items:
            item.width = float(item.amount / total * 100)
    elif any(item.share is not None for item in items):
        basis = "shares"
        for item in items:
            item.width = float(item.share or 0)
    else:
        basis = ""
    offset = 0.0
    for item in items:
        item.offset = offset
        offset += item.width
    return items, total, basis


def results_by_side(results) -> list[tuple[str, str, list[ExchangeResult]]]:
    sides = []
    for value, label in ExchangeResult.Side.choices:
        sides.append((value, label, [r for r in results if r.side == value]))
    return sides


# --- A hub's exchanges ----------------------------------------------------------------------


def hub_exchange_summary(hub, user, limit: int = 10) -> dict:
    """A hub's newest visible exchanges (given or received) and its balance, in two queries.

    The balance counts the visible, non-cancelled exchanges the hub gave and received.
    """
    gave = Exists(
        Exchange.provider_hubs.through.objects.filter(exchange_id=OuterRef("pk"), hub_id=hub.pk)
    )
    exchanges = (
        Exchange.objects.filter(permissions.visible_exchanges_filter(user))
        .annotate(gave=gave)
        .filter(Q(gave=True) | Q(recipient_hub=hub))
    )
    return {
        "exchanges": list(exchanges.order_by("-created", "-pk")[:limit]),
        "balance": exchanges.exclude(status=E.CANCELLED).aggregate(
            given=Count("pk", filter=Q(gave=True)),
            received=Count("pk", filter=Q(recipient_hub=hub)),
        ),
    }

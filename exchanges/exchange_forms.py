"""Forms of the exchange pages: the plan, its financing mix, results, usefulness.

The forms only parse and check input; exchanges.services decides and writes.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import Solution
from hubs.models import Hub

from . import services
from .models import Exchange, ExchangeResult, FinancingSource, Outcome

FINANCING_ROWS = 4
PLAN_FIELDS = [
    "title",
    "provider_institution",
    "provider_country",
    "recipient_hub",
    "recipient_institution",
    "recipient_country",
    "priority_area",
    "modality",
    "start_date",
    "end_date",
    "participants",
    "participants_description",
    "objectives",
]


class HubChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.acronym})" if obj.acronym else obj.name


class HubsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.acronym})" if obj.acronym else obj.name


class SolutionAddressesField(forms.CharField):
    """Vetted solutions given by their addresses (``human-milk-banks`` or the full link).

    A text field rather than a list of every vetted solution, which may run to many
    thousands.
    """

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)) or hasattr(value, "all"):
            items = value.all() if hasattr(value, "all") else value
            return "\n".join(getattr(item, "slug", str(item)) for item in items)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        slugs = []
        for token in re.split(r"[\s,;]+", text or ""):
            token = token.strip().rstrip("/")
            if not token:
                continue
            slug = token.rsplit("/", 1)[-1]
            if slug not in slugs:
                slugs.append(slug)
        if not slugs:
            return []
        found = {
            solution.slug: solution
            for solution in Solution.objects.filter(slug__in=slugs, published__isnull=False)
        }
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise ValidationError(
                _("No vetted solution has the address: %(slugs)s."),
                params={"slugs": ", ".join(unknown)},
                code="unknown_solution",
            )
        return [found[slug] for slug in slugs]


class ExchangePlanForm(forms.ModelForm):
    """The plan of an exchange: who, what, when, how many and why."""

    recipient_hub = HubChoiceField(
        queryset=Hub.objects.published().order_by("name"),
        required=False,
        label=_("recipient hub"),
        help_text=_("When the recipient is a hub on the portal."),
    )
    hub_solutions = forms.ModelMultipleChoiceField(
        label=_("solutions of the hubs taking part"),
        queryset=Solution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    solutions = SolutionAddressesField(
        label=_("solutions"),
        required=False,
        help_text=_(
            "The addresses of the vetted solutions exchanged, one per line, "
            "for example human-milk-banks."
        ),
    )

    class Meta:
        model = Exchange
        fields = PLAN_FIELDS
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "participants_description": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {"objectives": _("What the exchange should achieve. Markdown.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority_area"].queryset = self.fields["priority_area"].queryset.order_by(
            "name"
        )
        if self.instance.recipient_hub_id:  # keep the current hub, even if unpublished
            self.fields["recipient_hub"].queryset = Hub.objects.filter(
                Q(is_published=True) | Q(pk=self.instance.recipient_hub_id)
            ).order_by("name")
        self._offer_hub_solutions(self._hubs_taking_part())

    def _hubs_taking_part(self) -> list[int]:
        if not self.instance.pk:
            return []
        hubs = list(self.instance.provider_hubs.values_list("pk", flat=True))
        return [*hubs, self.instance.recipient_hub_id] if self.instance.recipient_hub_id else hubs

    def _offer_hub_solutions(self, hub_ids: list[int]) -> None:
        """The vetted solutions of these hubs as checkboxes; any other by its address."""
        listed = (
            Solution.objects.filter(published__isnull=False, hubs__in=hub_ids)
            .select_related("published")
            .distinct()
            .order_by("slug")
        )
        field = self.fields["hub_solutions"]
        field.queryset = listed
        field.label_from_instance = lambda solution: solution.published.title
        self.lists_hub_solutions = bool(hub_ids) and listed.exists()
        if self.lists_hub_solutions:
            self.fields["solutions"].label = _("other solutions")
        if self.instance.pk and not self.is_bound:
            current = list(self.instance.solutions.order_by("slug"))
            in_list = set(listed.values_list("pk", flat=True))
            self.initial["hub_solutions"] = [s.pk for s in current if s.pk in in_list]
            self.initial["solutions"] = [s for s in current if s.pk not in in_list]

    def _post_clean(self):
        # The services validate the exchange; the form does not touch the instance.
        pass

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The exchange cannot end before it starts."))
        chosen = [*(cleaned.get("hub_solutions") or []), *(cleaned.get("solutions") or [])]
        cleaned["solutions"] = list(dict.fromkeys(chosen))
        return cleaned

    def plan_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in [*PLAN_FIELDS, "solutions"]}


class ExchangeRecordForm(ExchangePlanForm):
    """An exchange done outside the portal, recorded by an editor of a hub taking part."""

    provider_hubs = HubsChoiceField(
        queryset=Hub.objects.published().order_by("name"),
        required=False,
        label=_("provider hubs"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("One of your hubs must be a provider or the recipient."),
    )
    status = forms.ChoiceField(
        label=_("status"), choices=Exchange.Status.choices, initial=Exchange.Status.PLANNED
    )

    field_order = ["title", "status", "provider_hubs"]

    def __init__(self, *args, user, may_record_for_anyone: bool, **kwargs):
        self.user = user  # before the plan form's set-up, which lists the user's solutions
        self.may_record_for_anyone = may_record_for_anyone
        super().__init__(*args, **kwargs)
        hubs = Hub.objects.published_or_edited_by(user)
        self.fields["provider_hubs"].queryset = hubs.order_by("name")
        self.fields["recipient_hub"].queryset = hubs.order_by("name")

    def _hubs_taking_part(self) -> list[int]:
        # A new exchange: the recording member's own hubs, which must take part.
        return list(Hub.objects.edited_by(self.user).values_list("pk", flat=True))

    def clean(self):
        cleaned = super().clean()
        if self.may_record_for_anyone:
            return cleaned
        own = set(Hub.objects.edited_by(self.user).values_list("pk", flat=True))
        taking_part = {hub.pk for hub in cleaned.get("provider_hubs") or []}
        if cleaned.get("recipient_hub"):
            taking_part.add(cleaned["recipient_hub"].pk)
        if not own & taking_part:
            raise ValidationError(
                _("Choose one of your own hubs as a provider or as the recipient."),
                code="not_your_hub",
            )
        return cleaned

    def plan_data(self) -> dict:
        data = super().plan_data()
        data["provider_hubs"] = list(self.cleaned_data["provider_hubs"])
        data["status"] = self.cleaned_data["status"]
        return data


class FinancingForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "—"), *FinancingSource.choices], required=False
    )
    amount = forms.DecimalField(
        label=_("Amount (US$)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    share = forms.IntegerField(label=_("Share (%)"), min_value=0, max_value=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) not in (None, "") for name in self.base_fields)

    def clean(self):
        cleaned = super().clean()
        if not self.is_blank() and not cleaned.get("source"):
            self.add_error("source", _("Choose the source of these funds."))
        return cleaned


class BaseFinancingFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled rows, as plain values for services.clean_financing."""
        return [
            {
                "source": form.cleaned_data["source"],
                "amount": form.cleaned_data.get("amount"),
                "share": form.cleaned_data.get("share"),
                "note": form.cleaned_data.get("note", ""),
            }
            for form in self.forms
            if form.cleaned_data and not form.is_blank()
        ]

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        try:
            services.clean_financing(self.rows())
        except ValidationError as error:
            raise ValidationError(
                error.message_dict.get("financing", error.messages)
                if hasattr(error, "error_dict")
                else error.messages
            ) from error


FinancingFormSet = forms.formset_factory(
    FinancingForm,
    formset=BaseFinancingFormSet,
    extra=FINANCING_ROWS,
    max_num=FINANCING_ROWS,
    absolute_max=FINANCING_ROWS,
    validate_max=True,
)


def financing_formset(data=None, exchange: Exchange | None = None) -> BaseFinancingFormSet:
    initial = (
        [
            {"source": row.source, "amount": row.amount, "share": row.share, "note": row.note}
            for row in exchange.financing.all()
        ]
        if exchange is not None and exchange.pk
        else []
    )
    return FinancingFormSet(data, initial=initial, prefix="financing")


class ResultForm(forms.ModelForm):
    side = forms.ChoiceField(label=_("Reported by the"), choices=ExchangeResult.Side.choices)

    class Meta:
        model = ExchangeResult
        fields = ["side", "outcome", "description", "evidence_url", "is_adoption"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, sides=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = Outcome.choices
        if sides is not None and not self.is_bound:
            self.fields["side"].choices = [
                (value, label) for value, label in ExchangeResult.Side.choices if value in sides
            ]

    def _post_clean(self):
        pass

    def result_data(self) -> dict:
        return dict(self.cleaned_data)


class RateForm(forms.Form):
    usefulness = forms.TypedChoiceField(
        label=_("How useful was this exchange for you?"),
        coerce=int,
        choices=[
            (1, _("1 — not useful")),
            (2, _("2")),
            (3, _("3")),
            (4, _("4")),
            (5, _("5 — very useful")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

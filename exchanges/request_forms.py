"""Forms of the knowledge-request pages: the request itself, a hub's offer and a curator's match.

The forms only shape the input; every rule (who may, in which state) is checked again by
exchanges.services, whose errors the views put back on the form.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from catalogue.models import SDG, Modality, Solution
from catalogue.search import text_query
from hubs.models import Hub, PriorityArea

from .models import KnowledgeRequest


class SolutionChoiceField(forms.ModelMultipleChoiceField):
    """Vetted solutions, labelled with their title in the viewer's language."""

    def label_from_instance(self, obj):
        return obj.published.translated("title")


class RequestForm(forms.ModelForm):
    modalities = forms.MultipleChoiceField(
        label=_("Desired modalities"),
        choices=Modality.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sdgs = forms.ModelMultipleChoiceField(
        label=_("SDGs"),
        queryset=SDG.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = KnowledgeRequest
        fields = [
            "title",
            "challenge",
            "tried",
            "institution",
            "hub",
            "country",
            "priority_area",
            "sdgs",
            "modalities",
            "timeline",
            "language",
            "visibility",
        ]
        widgets = {
            "challenge": forms.Textarea(attrs={"rows": 8}),
            "tried": forms.Textarea(attrs={"rows": 4}),
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        hubs = Hub.objects.edited_by(user).order_by("name")
        self.fields["hub"].queryset = hubs
        self.fields["hub"].empty_label = _("None: I ask for my institution")
        self.fields["challenge"].required = True
        self.fields["priority_area"].queryset = PriorityArea.objects.all()
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("institution", getattr(user, "organisation", "") or "")
            language = get_language() or ""
            codes = {code for code, _name in self.fields["language"].choices}
            for code in (language, language.split("-")[0]):
                if code in codes:
                    self.initial.setdefault("language", code)
                    break

    def service_data(self) -> dict:
        """What exchanges.services.request_post / request_update take."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self):
        # The model is validated by the service (with its own rules); a ModelForm would
        # otherwise write the cleaned values onto the instance before the service runs.
        pass


class OfferForm(forms.Form):
    hub = forms.ModelChoiceField(label=_("On behalf of"), queryset=Hub.objects.none())
    message = forms.CharField(
        label=_("Your offer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What your hub can share, with whom, and how."),
    )
    solutions = SolutionChoiceField(
        label=_("Solutions you offer"),
        queryset=Solution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    modalities = forms.MultipleChoiceField(
        label=_("Modalities you offer"),
        choices=Modality.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, hubs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hub"].queryset = Hub.objects.filter(pk__in=[h.pk for h in hubs]).order_by(
            "name"
        )
        if len(hubs) == 1:
            self.fields["hub"].initial = hubs[0].pk
        self.fields["solutions"].queryset = (
            Solution.objects.filter(published__isnull=False, hubs__in=[h.pk for h in hubs])
            .select_related("published")
            .distinct()
            .order_by("slug")
        )


class BrokerForm(forms.Form):
    """Provider hubs from the offers and suggestions (a few checkboxes), or any other
    published hub from a list; ``cleaned_data["hubs"]`` holds both."""

    hubs = forms.ModelMultipleChoiceField(
        label=_("Hubs that offered or were suggested"),
        queryset=Hub.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_hubs = forms.ModelMultipleChoiceField(
        label=_("Other hubs"),
        queryset=Hub.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Any other published hub, by name. To choose more than one, hold Ctrl (Cmd on a "
            "Mac) while you click."
        ),
    )
    solutions = SolutionChoiceField(
        label=_("Solutions"),
        queryset=Solution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only solutions of the hubs you choose."),
    )
    modality = forms.ChoiceField(
        label=_("Proposed modality"),
        choices=[("", _("To be agreed")), *Modality.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note to the requester"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self, *args, request_obj: KnowledgeRequest, candidate_hubs, candidate_solutions, **kwargs
    ):
        super().__init__(*args, **kwargs)
        candidates = list(candidate_hubs)
        published = Hub.objects.published().exclude(pk=request_obj.hub_id or 0).order_by("name")
        self.fields["hubs"].queryset = published.filter(pk__in=candidates)
        self.fields["other_hubs"].queryset = published.exclude(pk__in=candidates)
        self.has_candidates = bool(candidates) and self.fields["hubs"].queryset.exists()
        self.fields["solutions"].queryset = (
            Solution.objects.filter(published__isnull=False)
            .filter(Q(hubs__in=candidates) | Q(pk__in=list(candidate_solutions)))
            .select_related("published")
            .distinct()
            .order_by("slug")
        )

    def clean(self):
        data = super().clean()
        chosen = [*data.get("hubs", []), *data.get("other_hubs", [])]
        if not chosen and not self.errors:
            self.add_error(
                "hubs" if self.has_candidates else "other_hubs",
                _("Choose at least one provider hub."),
            )
        data["hubs"] = chosen
        return data


def _language_choices():
    return [(code.split("-")[0], name) for code, name in settings.LANGUAGES]


class RequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=200)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=KnowledgeRequest.Status.choices)
    area = django_filters.ModelChoiceFilter(
        label=_("Priority area"),
        field_name="priority_area",
        queryset=PriorityArea.objects.all(),
        to_field_name="slug",
    )
    country = django_filters.ChoiceFilter(label=_("Country"), choices=countries)
    modality = django_filters.ChoiceFilter(
        label=_("Modality"), choices=Modality.choices, method="filter_modality"
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=_language_choices, method="filter_language"
    )

    class Meta:
        model = KnowledgeRequest
        fields = ["q", "status", "area", "country", "modality", "language"]

    def search(self, queryset, name, value):
        """The catalogue's multilingual web-search syntax over the request's search document."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(document=text_query(value))

    def filter_modality(self, queryset, name, value):
        return queryset.filter(modalities__contains=[value])

    def filter_language(self, queryset, name, value):
        return queryset.filter(Q(language=value) | Q(language__startswith=f"{value}-"))

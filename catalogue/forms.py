from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from taggit.forms import TagField

from core.uploads import UploadValidator

from .models import (
    SDG,
    BuildingBlock,
    Criterion,
    CriterionAssessment,
    Modality,
    Replication,
    ResultFigure,
    Review,
    SolutionRevision,
)


class BasicsForm(forms.ModelForm):
    class Meta:
        model = SolutionRevision
        fields = [
            "title",
            "summary",
            "country",
            "region",
            "priority_area",
            "sector",
            "original_language",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}


class ChallengeForm(forms.ModelForm):
    class Meta:
        model = SolutionRevision
        fields = ["challenge", "beneficiaries", "description"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}


class ResultsForm(forms.ModelForm):
    class Meta:
        model = SolutionRevision
        fields = ["results"]
        widgets = {"results": forms.Textarea(attrs={"rows": 5})}


class AdaptationForm(forms.ModelForm):
    modalities = forms.MultipleChoiceField(
        label=_("Exchange modalities offered"),
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
    where_applied = forms.MultipleChoiceField(
        label=_("Countries where applied"),
        choices=list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    tags = TagField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."))

    class Meta:
        model = SolutionRevision
        fields = [
            "modalities",
            "sdgs",
            "where_applied",
            "cost_and_financing",
            "preconditions",
            "lessons_learned",
            "what_failed",
            "contacts",
            "tags",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in [
                "cost_and_financing",
                "preconditions",
                "lessons_learned",
                "what_failed",
                "contacts",
            ]
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["tags"] = ", ".join(self.instance.tags.names())


BlockFormSet = forms.inlineformset_factory(
    SolutionRevision, BuildingBlock, fields=["title", "description", "enabling_factors", "lessons_learned"],
    extra=1, can_delete=True, max_num=20,
    widgets={"description": forms.Textarea(attrs={"rows": 3}), "enabling_factors": forms.Textarea(attrs={"rows": 2}), "lessons_learned": forms.Textarea(attrs={"rows": 2})},
)  # fmt: skip
FigureFormSet = forms.inlineformset_factory(
    SolutionRevision,
    ResultFigure,
    fields=["figure", "description", "evidence_url"],
    extra=1,
    can_delete=True,
    max_num=20,
)


BasicsForm.form_prefix = "basics"
ChallengeForm.form_prefix = "challenge"
ResultsForm.form_prefix = "results"
AdaptationForm.form_prefix = "adaptation"
BlockFormSet.form_prefix = "blocks"
FigureFormSet.form_prefix = "figures"


def formset_rows(formset) -> list[dict]:
    """The kept, non-empty rows of a valid formset, as plain values for the services."""
    rows = []
    for form in formset.forms:
        if not form.has_changed() and not form.instance.pk:
            continue
        if form.cleaned_data.get("DELETE"):
            continue
        rows.append(
            {
                name: form.cleaned_data[name]
                for name in formset.form.base_fields
                if name in form.cleaned_data and name not in {"id", "DELETE", "revision"}
            }
        )
    return rows


STEPS = [
    ("basics", _("The basics"), [BasicsForm]),
    ("challenge", _("Challenge and solution"), [ChallengeForm]),
    ("blocks", _("Building blocks"), [BlockFormSet]),
    ("results", _("Results"), [ResultsForm, FigureFormSet]),
    ("adaptation", _("Adaptation and lessons"), [AdaptationForm]),
]


class EditorialForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Editorial check"),
        choices=[
            ("pass", _("Complete and in plain language: send to expert review")),
            ("return", _("Return for changes")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExpertReviewForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=Review.Recommendation.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(Criterion.objects.filter(is_active=True))
        for criterion in self.criteria:
            self.fields[f"{criterion.slug}_rating"] = forms.ChoiceField(
                label=criterion.title,
                choices=CriterionAssessment.Rating.choices,
                widget=forms.RadioSelect,
                help_text=criterion.description,
            )
            self.fields[f"{criterion.slug}_justification"] = forms.CharField(
                label=_("Justification"), max_length=3000, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"{criterion.slug}_evidence_url"] = forms.URLField(
                label=_("Evidence link"), required=False, assume_scheme="https"
            )

    def grouped(self):
        for criterion in self.criteria:
            yield (
                criterion,
                [
                    self[f"{criterion.slug}_{part}"]
                    for part in ("rating", "justification", "evidence_url")
                ],
            )

    def assessments(self) -> dict[str, dict]:
        return {
            c.slug: {
                part: self.cleaned_data[f"{c.slug}_{part}"]
                for part in ("rating", "justification", "evidence_url")
            }
            for c in self.criteria
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("vet", _("Vet and publish")),
            ("changes", _("Request changes")),
            ("reject", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )


class FeedbackForm(forms.Form):
    message = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"),
        validators=[UploadValidator("attachment")],
        help_text=_("PDF, image or office document, at most 10 MB. It is offered as a download."),
    )


class ReplicationForm(forms.ModelForm):
    class Meta:
        model = Replication
        fields = ["institution", "country", "year", "result", "evidence_url"]
        widgets = {"result": forms.Textarea(attrs={"rows": 2})}

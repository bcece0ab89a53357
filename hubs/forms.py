from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.uploads import UploadValidator

from .changes import EDITABLE_FIELDS
from .models import Hub, PriorityArea, clean_financing

SOURCES = Hub.FinancingSource


class HubProfileForm(forms.ModelForm):
    """The profile fields, used for an editor's proposal and a curator's direct edit."""

    priority_areas = forms.ModelMultipleChoiceField(
        label=_("Priority areas"),
        queryset=PriorityArea.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=ALL_LANGUAGES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    partner_organisations = forms.CharField(
        label=_("Partners and networks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One organisation or network per line."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        validators=[UploadValidator("logo")],
        help_text=_("PNG, JPEG, WebP or GIF, at most 1 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
    )

    class Meta:
        model = Hub
        fields = [
            f
            for f in EDITABLE_FIELDS
            if f not in {"financing", "languages", "partner_organisations"}
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = {row["source"]: row.get("share") for row in (self.instance.financing or [])}
        # One "used" box and one optional share per financing source.
        for source, label in SOURCES.choices:
            self.fields[f"uses_{source}"] = forms.BooleanField(
                label=label, required=False, initial=source in current
            )
            self.fields[f"share_{source}"] = forms.DecimalField(
                label=_("Share of %(source)s (%%)") % {"source": label},
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=1,
                initial=current.get(source),
            )
        if self.instance.pk:
            self.initial["partner_organisations"] = "\n".join(self.instance.partner_organisations)
            self.initial["languages"] = self.instance.languages

    def financing_fields(self):
        return [(self[f"uses_{source}"], self[f"share_{source}"]) for source in SOURCES.values]

    def clean_partner_organisations(self):
        lines = [line.strip() for line in self.cleaned_data["partner_organisations"].splitlines()]
        names = [line for line in lines if line]
        if any(len(name) > 200 for name in names):
            raise ValidationError(_("Each name can be at most 200 characters."))
        return names

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        # Only a new upload is a change; the current logo stays as it is.
        return logo if logo and logo is not self.initial.get("logo") else None

    def clean(self):
        cleaned = super().clean()
        financing = []
        for source in SOURCES.values:
            share = cleaned.get(f"share_{source}")
            if cleaned.get(f"uses_{source}") or share is not None:
                financing.append({"source": source, "share": share})
        try:
            cleaned["financing"] = clean_financing(financing)
        except ValidationError as error:
            self.add_error(None, error.message_dict["financing"])
        return cleaned

    def _post_clean(self):
        # Validation of the whole profile happens in the services; don't touch the instance here.
        pass

    def profile_data(self) -> dict:
        return {
            field: self.cleaned_data[field]
            for field in EDITABLE_FIELDS
            if field in self.cleaned_data
        }


class HubProposalForm(HubProfileForm):
    comment = forms.CharField(
        label=_("Note to the curators"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where do the new facts come from?"),
    )


class ReturnProposalForm(forms.Form):
    review_comment = forms.CharField(
        label=_("What should change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

from django import forms
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.utils.translation import gettext_lazy as _

from community.models import Chapter, Theme

from .models import Feedback

LANGUAGE_NAMES = dict(ALL_LANGUAGES)


class WebinarFilterForm(forms.Form):
    """The list's filters: monthly theme, regional chapter, language."""

    theme = forms.ModelChoiceField(
        label=_("Monthly theme"),
        queryset=Theme.objects.order_by("-month"),
        to_field_name="month",
        required=False,
        empty_label=_("Any theme"),
    )
    chapter = forms.ModelChoiceField(
        label=_("Regional chapter"),
        queryset=Chapter.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Any chapter"),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any language"))] + [
            (code, _(LANGUAGE_NAMES.get(code, code))) for code in languages
        ]


class FeedbackForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        help_text=_("5 is best."),
    )

    class Meta:
        model = Feedback
        fields = ["rating", "comment"]
        labels = {"comment": _("Comment (optional)")}


class RescheduleForm(forms.Form):
    """A new time, entered in the host's time zone (the view activates it)."""

    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned

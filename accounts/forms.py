import zoneinfo
from functools import lru_cache

from django import forms
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.utils.translation import gettext_lazy as _

from .models import User
from .services import PROFILE_FIELDS


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [("", _("Use my browser's time zone"))] + [(z, z.replace("_", " ")) for z in zones]


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    name = forms.CharField(label=_("Full name"), max_length=150)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)

    def signup(self, request, user):
        user.name = self.cleaned_data["name"]
        user.organisation = self.cleaned_data.get("organisation", "")
        user.save(update_fields=["name", "organisation"])


class ProfileForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=[(code, name) for code, name in ALL_LANGUAGES],
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, required=False)

    class Meta:
        model = User
        fields = list(PROFILE_FIELDS)
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

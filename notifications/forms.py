from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import Frequency, all_kinds


class PreferencesForm(forms.Form):
    """One choice per registered kind, initially the member's current frequency."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in all_kinds():
            help_text = _("Default: %(default)s") % {"default": kind.default.label}
            if not kind.digest:
                help_text = " ".join(
                    [str(help_text), str(_("Never in a digest: it would arrive too late."))]
                )
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label,
                choices=[(value, Frequency(value).label) for value in kind.frequencies],
                initial=kind.effective(current.get(kind.key, kind.default)),
                help_text=help_text,
            )
            self.fields[kind.key].module = kind.module

    def grouped(self):
        """[(module name, [bound fields])] in a stable order."""
        groups: dict[str, list] = {}
        for name in self.fields:
            groups.setdefault(str(self.fields[name].module), []).append(self[name])
        return sorted(groups.items())

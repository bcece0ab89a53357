from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import UploadValidator

from .models import RoadmapStep


class PillarAnswersForm(forms.Form):
    """The answers to one pillar's questions: a level, and optional evidence, per question."""

    def __init__(self, *args, questions, answers, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.current_answers = answers
        for question in questions:
            answer = answers.get(question.pk)
            choices = [
                (str(level.value), f"{level.value} — {level.translated('description')}")
                for level in question.levels.all()
            ]
            self.fields[f"q{question.pk}_level"] = forms.TypedChoiceField(
                label=question.translated("text"),
                help_text=question.translated("help"),
                choices=[("", _("Not answered yet"))] + choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                initial="" if answer is None or answer.level is None else str(answer.level),
            )
            self.fields[f"q{question.pk}_evidence_note"] = forms.CharField(
                label=_("Evidence (optional)"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=answer.evidence_note if answer else "",
            )
            self.fields[f"q{question.pk}_evidence_url"] = forms.URLField(
                label=_("Link to evidence (optional)"),
                required=False,
                initial=answer.evidence_url if answer else "",
                assume_scheme="https",
            )
            self.fields[f"q{question.pk}_evidence_file"] = forms.FileField(
                label=_("Evidence file (optional)"),
                required=False,
                validators=[UploadValidator("evidence")],
                help_text=_("PDF, image (PNG, JPEG, WebP, GIF) or office document; at most 5 MB."),
            )

    def grouped(self):
        for question in self.questions:
            prefix = f"q{question.pk}_"
            yield (
                question,
                [
                    self[prefix + name]
                    for name in ("level", "evidence_note", "evidence_url", "evidence_file")
                ],
                self.current_answers.get(question.pk),
            )

    def answers(self) -> dict[int, dict]:
        result = {}
        for question in self.questions:
            prefix = f"q{question.pk}_"
            result[question.pk] = {
                "level": self.cleaned_data[prefix + "level"],
                "evidence_note": self.cleaned_data[prefix + "evidence_note"],
                "evidence_url": self.cleaned_data[prefix + "evidence_url"],
                "evidence_file": self.cleaned_data.get(prefix + "evidence_file"),
            }
        return result


class SubmitAssessmentForm(forms.Form):
    share_with_peers = forms.BooleanField(
        label=_("Count our scores, anonymously, in the peer statistics"),
        required=False,
        initial=True,
    )
    publish = forms.BooleanField(
        label=_("Publish our scores and answers on our hub profile"), required=False
    )


class RoadmapStepForm(forms.ModelForm):
    class Meta:
        model = RoadmapStep
        fields = ["title", "description", "owner", "due_date", "status"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
        }

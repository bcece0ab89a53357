from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Theme

MARKDOWN_HELP = _("Markdown: **bold**, *italic*, [link](https://…), > quote. Mention with @handle.")


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=MARKDOWN_HELP,
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=MARKDOWN_HELP,
    )


class PostEditForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=MARKDOWN_HELP,
    )


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this post?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MoveForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Move to forum"), queryset=Category.objects.all(), to_field_name="slug"
    )


class EndorseForm(forms.Form):
    justification = forms.CharField(
        label=_("Why do you endorse it?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BlogPostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=500, required=False)
    body = forms.CharField(
        label=_("Text"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=MARKDOWN_HELP,
    )
    theme = forms.ModelChoiceField(
        label=_("Monthly theme"),
        queryset=Theme.objects.all(),
        to_field_name="month",
        required=False,
    )
    tags = forms.CharField(
        label=_("Tags"), max_length=300, required=False, help_text=_("Separated by commas.")
    )

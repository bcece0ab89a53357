"""Pages for hub editors (write and submit) and for reviewers and curators (vet)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.files import file_response
from core.forms import error_text
from hubs.models import Hub
from hubs.permissions import is_curator

from . import permissions, services
from .forms import (
    STEPS,
    AttachmentForm,
    BasicsForm,
    DecisionForm,
    EditorialForm,
    ExpertReviewForm,
    FeedbackForm,
    formset_rows,
)
from .models import Attachment, Review, Solution, SolutionRevision

S = SolutionRevision.Status


@login_required
def create(request):
    """Start a new solution for one of the hubs the member edits."""
    hubs = Hub.objects.edited_by(request.user).order_by("name")
    hub = (
        get_object_or_404(hubs, slug=request.GET.get("hub") or request.POST.get("hub"))
        if hubs.exists()
        else None
    )
    if hub is None:
        raise PermissionDenied(_("Only hub editors can add solutions."))
    if not permissions.can_submit_for_hub(request.user, hub):
        raise PermissionDenied(_("Only this hub's editors can add solutions for it."))
    form = BasicsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.solution_create(hub=hub, user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Draft saved. Continue with the challenge and the solution.")
            )
            return redirect(
                reverse("catalogue:edit", args=[revision.solution.slug]) + "?step=challenge"
            )
    return render(
        request,
        "catalogue/edit.html",
        {
            "form": form,
            "forms": [form],
            "hub": hub,
            "steps": STEPS,
            "step": "basics",
            "creating": True,
        },
    )


def _open_revision(request, slug) -> SolutionRevision:
    solution = get_object_or_404(Solution, slug=slug)
    if not permissions.is_solution_editor(request.user, solution):
        raise PermissionDenied(_("Only the provider hub's editors can edit this solution."))
    return services.revision_start(solution=solution, user=request.user)


@login_required
def edit(request, slug):
    revision = _open_revision(request, slug)
    if revision.status not in services.EDITABLE:
        messages.info(request, _("This revision is being reviewed; it cannot be edited now."))
        return redirect("catalogue:review", pk=revision.pk)
    step = request.GET.get("step", "basics")
    names = [name for name, _label, _forms in STEPS]
    if step == "submit":
        return render(
            request,
            "catalogue/edit.html",
            {"revision": revision, "steps": STEPS, "step": step, "forms": []},
        )
    if step not in names:
        step = "basics"
    classes = dict((name, form_classes) for name, _label, form_classes in STEPS)[step]
    data = request.POST if request.method == "POST" else None
    forms = [cls(data, instance=revision, prefix=cls.form_prefix) for cls in classes]
    if request.method == "POST" and all(form.is_valid() for form in forms):
        values = {}
        for form in forms:
            if hasattr(form, "forms"):  # a formset
                key = "blocks" if form.model.__name__ == "BuildingBlock" else "figures"
                values[key] = formset_rows(form)
            else:
                values.update(form.cleaned_data)
        try:
            services.revision_update(revision=revision, user=request.user, data=values)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Draft saved."))
            following = (
                names[names.index(step) + 1] if names.index(step) + 1 < len(names) else "submit"
            )
            return redirect(
                reverse("catalogue:edit", args=[slug])
                + f"?step={following if 'next' in request.POST else step}"
            )
    return render(
        request,
        "catalogue/edit.html",
        {"revision": revision, "steps": STEPS, "step": step, "forms": forms},
    )


@login_required
@require_POST
def submit(request, slug):
    revision = _open_revision(request, slug)
    try:
        services.revision_submit(revision=revision, user=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(reverse("catalogue:edit", args=[slug]) + "?step=submit")
    messages.success(
        request, _("Submitted for vetting. Reviewers may write to you here before they decide.")
    )
    return redirect("catalogue:review", pk=revision.pk)


@login_required
def queue(request):
    reviewer = permissions.is_reviewer(request.user)
    curator = is_curator(request.user)
    if not (reviewer or curator):
        raise PermissionDenied(_("Only reviewers and curators see the vetting queue."))
    revisions = (
        SolutionRevision.objects.filter(
            status__in=[S.SUBMITTED, S.EDITORIAL_CHECK, S.EXPERT_REVIEW]
        )
        .exclude(solution__hubs__editors=request.user)
        .select_related("solution")
        .order_by("submitted_at")
    )
    return render(request, "catalogue/queue.html", {"revisions": revisions})


def _review_context(request, revision, **forms) -> dict:
    """What the review page shows; only call it once the viewer may see the page."""
    editor = permissions.is_solution_editor(request.user, revision.solution)
    can_decide = permissions.can_decide(request.user, revision)
    return {
        "revision": revision,
        "is_editor": editor,
        "can_review": permissions.can_review(request.user, revision),
        "can_decide": can_decide and revision.reviews.filter(stage=Review.Stage.EXPERT).exists(),
        "feedback": revision.feedback.select_related("author"),
        "reviews": revision.reviews.select_related("reviewer").prefetch_related(
            "assessments__criterion"
        ),
        "feedback_form": FeedbackForm(),
        "editorial_form": EditorialForm(),
        "expert_form": ExpertReviewForm(),
        "decision_form": DecisionForm(),
        **forms,
    }


def _reviewable_revision(request, pk) -> SolutionRevision:
    """The revision of a review page, or 403 for anyone who may not see that page."""
    revision = get_object_or_404(
        SolutionRevision.objects.select_related("solution", "priority_area"), pk=pk
    )
    if not permissions.can_see_review(request.user, revision):
        raise PermissionDenied(
            _("Only the provider hub's editors, reviewers and curators can see this.")
        )
    return revision


@login_required
def review(request, pk):
    revision = _reviewable_revision(request, pk)
    return render(request, "catalogue/review.html", _review_context(request, revision))


@login_required
@require_POST
def review_action(request, pk):
    revision = _reviewable_revision(request, pk)
    action = request.POST.get("action", "")
    if not permissions.can_take_review_action(request.user, revision, action):
        if action == "decide":
            raise PermissionDenied(
                _("Only curators who do not edit this hub can decide on a solution.")
            )
        if action == "feedback":
            raise PermissionDenied(
                _("Only the reviewers and the provider hub's editors can write here.")
            )
        raise PermissionDenied(_("Only reviewers can review solutions."))
    try:
        if action == "claim":
            services.editorial_claim(revision=revision, reviewer=request.user)
            messages.success(request, _("You are doing the editorial check."))
        elif action == "editorial":
            form = EditorialForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose whether the solution passes the editorial check."))
            services.editorial_decide(
                revision=revision,
                reviewer=request.user,
                passed=form.cleaned_data["decision"] == "pass",
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("Editorial check recorded."))
        elif action == "expert":
            form = ExpertReviewForm(request.POST)
            if not form.is_valid():
                context_error = _("Assess every criterion with a rating and a justification.")
                messages.error(request, context_error)
                return render(
                    request,
                    "catalogue/review.html",
                    _review_context(request, revision, expert_form=form),
                    status=400,
                )
            services.expert_review(
                revision=revision, reviewer=request.user, assessments=form.assessments(),
                recommendation=form.cleaned_data["recommendation"], comment=form.cleaned_data["comment"],
            )  # fmt: skip
            messages.success(request, _("Review recorded. A curator will decide."))
        elif action == "decide":
            form = DecisionForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose a decision."))
            services.revision_decide(
                revision=revision, curator=request.user, decision=form.cleaned_data["decision"]
            )
            messages.success(request, _("Decision recorded."))
            if form.cleaned_data["decision"] == "vet":
                return redirect(revision.solution)
        elif action == "feedback":
            form = FeedbackForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Write a message first."))
            services.feedback_send(
                revision=revision, user=request.user, message=form.cleaned_data["message"]
            )
            messages.success(request, _("Message sent."))
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect("catalogue:review", pk=revision.pk)


@login_required
def files(request, slug):
    """The files of the revision being edited: list, upload, remove."""
    revision = _open_revision(request, slug)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                attachment = get_object_or_404(revision.attachments, pk=request.POST.get("remove"))
                services.attachment_remove(attachment=attachment, user=request.user)
                messages.success(request, _("File removed."))
                return redirect("catalogue:files", slug=slug)
            if form.is_valid():
                services.attachment_add(
                    revision=revision,
                    user=request.user,
                    file=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                )
                messages.success(request, _("File added."))
                return redirect("catalogue:files", slug=slug)
        except ValidationError as error:
            form.add_error("file", error)
    return render(
        request,
        "catalogue/files.html",
        {
            "revision": revision,
            "form": form,
            "attachments": revision.attachments.all(),
            "steps": STEPS,
            "step": "files",
        },
    )


def download(request, slug, pk):
    """Serve an attachment as a download only, with the type detected at upload."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("revision__solution"),
        pk=pk,
        revision__solution__slug=slug,
    )
    if not permissions.can_see_revision(request.user, attachment.revision):
        raise Http404
    return file_response(
        attachment.file,
        policy="attachment",
        filename=attachment.original_name,
        public=attachment.revision.solution.published_id == attachment.revision_id,
        inline_images=False,
    )

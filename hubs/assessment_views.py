from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.csv_export import csv_response

from . import assessment_selectors as selectors
from . import assessment_services as services
from .assessment_forms import PillarAnswersForm, RoadmapStepForm, SubmitAssessmentForm
from .models import Assessment, Hub, RoadmapStep
from .permissions import can_manage_assessment, can_view_assessment


def _hub(request, slug) -> Hub:
    return get_object_or_404(Hub.objects.visible_to(request.user), slug=slug)


def _manageable_hub(request, slug) -> Hub:
    """The hub, or 403 for anyone but its editors and the curators."""
    hub = _hub(request, slug)
    if not can_manage_assessment(request.user, hub):
        raise PermissionDenied(
            _("Only this hub's editors and the curators can work on its self-assessment.")
        )
    return hub


def _assessment(request, hub, pk) -> Assessment:
    assessment = get_object_or_404(
        Assessment.objects.select_related("questionnaire", "hub"), pk=pk, hub=hub
    )
    if not can_view_assessment(request.user, assessment):
        raise PermissionDenied(_("This self-assessment has not been published."))
    return assessment


@require_safe
def index(request, slug):
    hub = _hub(request, slug)
    assessments = selectors.history(hub, request.user)
    manage = can_manage_assessment(request.user, hub)
    if not assessments and not manage:
        raise PermissionDenied(_("This hub has not published a self-assessment."))
    codes, labels = [], {}
    if assessments:
        for pillar in selectors.pillars_of(assessments[-1]):
            codes.append(pillar.code)
            labels[pillar.code] = pillar.translated("title")
    progress = [
        {
            "label": labels[code],
            "scores": [a.scores.get(code, {}).get("score") for a in assessments],
        }
        for code in codes
    ]
    draft = hub.assessments.filter(status=Assessment.Status.DRAFT).first() if manage else None
    return render(
        request,
        "hubs/assessment/index.html",
        {
            "hub": hub,
            "assessments": assessments,
            "progress": progress,
            "draft": draft,
            "can_manage": manage,
        },
    )


@login_required
@require_POST
def start(request, slug):
    hub = _manageable_hub(request, slug)
    try:
        assessment = services.assessment_start(hub=hub, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("hubs:assessments", slug=hub.slug)
    return redirect(assessment)


@login_required
def take(request, slug, pk):
    hub = _manageable_hub(request, slug)
    assessment = _assessment(request, hub, pk)
    if assessment.status != Assessment.Status.DRAFT:
        return redirect(assessment)
    pillars = list(assessment.questionnaire.pillars.order_by("position"))
    code = request.GET.get("pillar") or pillars[0].code
    pillar = next((p for p in pillars if p.code == code), None)
    if pillar is None:
        messages.error(request, _("There is no such pillar in this questionnaire."))
        return redirect(assessment)
    questions = list(pillar.questions.prefetch_related("levels").order_by("position"))
    answers = {a.question_id: a for a in assessment.answers.all()}
    form = PillarAnswersForm(
        request.POST or None, request.FILES or None, questions=questions, answers=answers
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_answer(
                assessment=assessment, user=request.user, answers=form.answers()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Your answers are saved. You can come back to them at any time.")
            )
            index = pillars.index(pillar)
            if "next" in request.POST and index + 1 < len(pillars):
                return redirect(f"{assessment.get_absolute_url()}?pillar={pillars[index + 1].code}")
            if "finish" in request.POST:
                return redirect("hubs:assessment-submit", slug=hub.slug, pk=assessment.pk)
            return redirect(f"{assessment.get_absolute_url()}?pillar={pillar.code}")
    answered = {a.question_id for a in answers.values() if a.level is not None}
    totals = {p.code: 0 for p in pillars}
    done = {p.code: 0 for p in pillars}
    for question_id, pillar_code in assessment.questionnaire.pillars.values_list(
        "questions__pk", "code"
    ):
        totals[pillar_code] += 1
        done[pillar_code] += question_id in answered
    total = sum(totals.values())
    return render(
        request,
        "hubs/assessment/take.html",
        {
            "hub": hub,
            "assessment": assessment,
            "pillar": pillar,
            "pillars": [
                {"pillar": p, "answered": done[p.code], "total": totals[p.code]} for p in pillars
            ],
            "form": form,
            "answered": len(answered),
            "total": total,
            "percent": round(100 * len(answered) / total) if total else 0,
            "is_last": pillar == pillars[-1],
        },
    )


@login_required
def submit(request, slug, pk):
    hub = _manageable_hub(request, slug)
    assessment = _assessment(request, hub, pk)
    form = SubmitAssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_submit(
                assessment=assessment,
                user=request.user,
                share_with_peers=form.cleaned_data["share_with_peers"],
                publish=form.cleaned_data["publish"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(assessment)
        messages.success(
            request, _("The assessment is submitted. Here is your profile and a proposed road map.")
        )
        return redirect("hubs:assessment-result", slug=hub.slug, pk=assessment.pk)
    answered = assessment.answers.exclude(level=None).count()
    return render(
        request,
        "hubs/assessment/submit.html",
        {"hub": hub, "assessment": assessment, "form": form, "answered": answered},
    )


@require_safe
def result(request, slug, pk):
    hub = _hub(request, slug)
    assessment = _assessment(request, hub, pk)
    if assessment.status != Assessment.Status.SUBMITTED:
        return redirect(assessment)
    context = selectors.result_context(assessment, request.user)
    context.update(
        hub=hub,
        assessment=assessment,
        can_manage=can_manage_assessment(request.user, hub),
        roadmap=selectors.roadmap(hub) if can_manage_assessment(request.user, hub) else [],
        visibility_form=SubmitAssessmentForm(
            initial={
                "share_with_peers": assessment.share_with_peers,
                "publish": assessment.is_published,
            }
        ),
    )
    return render(request, "hubs/assessment/result.html", context)


@login_required
@require_POST
def visibility(request, slug, pk):
    hub = _manageable_hub(request, slug)
    assessment = _assessment(request, hub, pk)
    form = SubmitAssessmentForm(request.POST)
    form.is_valid()
    try:
        services.assessment_set_visibility(
            assessment=assessment,
            user=request.user,
            share_with_peers=form.cleaned_data.get("share_with_peers", False),
            publish=form.cleaned_data.get("publish", False),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Sharing settings saved."))
    return redirect("hubs:assessment-result", slug=hub.slug, pk=assessment.pk)


def _export_rows(assessment: Assessment):
    answers = {a.question_id: a for a in assessment.answers.all()}
    for pillar in assessment.questionnaire.pillars.order_by("position").prefetch_related(
        "questions"
    ):
        for question in pillar.questions.all():
            answer = answers.get(question.pk)
            yield {
                "pillar": pillar.code,
                "question": question.code,
                "text": question.text,
                "level": answer.level if answer else None,
                "evidence": answer.evidence_note if answer else "",
                "evidence_url": answer.evidence_url if answer else "",
            }


@require_safe
def export_json(request, slug, pk):
    hub = _hub(request, slug)
    assessment = _assessment(request, hub, pk)
    return JsonResponse(
        {
            "hub": hub.slug,
            "questionnaire_version": assessment.questionnaire.version,
            "status": assessment.status,
            "submitted_at": assessment.submitted_at,
            "scores": assessment.scores,
            "answers": list(_export_rows(assessment)),
            "road_map": [
                {
                    "title": s.title,
                    "status": s.status,
                    "owner": s.owner,
                    "due_date": s.due_date,
                    "target_level": s.target_level,
                }
                for s in RoadmapStep.objects.filter(hub=hub).order_by("position")
            ]
            if can_manage_assessment(request.user, hub)
            else [],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_safe
def export_csv(request, slug, pk):
    hub = _hub(request, slug)
    assessment = _assessment(request, hub, pk)
    return csv_response(
        filename=f"{hub.slug}-self-assessment-{assessment.pk}.csv",
        columns=["pillar", "question", "text", "level", "evidence", "evidence_url"],
        rows=_export_rows(assessment),
    )


@login_required
def roadmap(request, slug):
    hub = _hub(request, slug)
    if not can_manage_assessment(request.user, hub):
        raise PermissionDenied(_("Only this hub's editors and the curators can see its road map."))
    form = RoadmapStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.roadmap_step_save(hub=hub, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Step added to the road map."))
            return redirect("hubs:roadmap", slug=hub.slug)
    steps = selectors.roadmap(hub)
    for item in steps:
        item["form"] = RoadmapStepForm(instance=item["step"], prefix=f"s{item['step'].pk}")
    return render(
        request, "hubs/assessment/roadmap.html", {"hub": hub, "steps": steps, "form": form}
    )


@login_required
@require_POST
def roadmap_step(request, slug, step_pk):
    hub = _manageable_hub(request, slug)
    step = get_object_or_404(RoadmapStep, pk=step_pk, hub=hub)
    action = request.POST.get("action")
    try:
        if action in {"up", "down"}:
            services.roadmap_step_move(hub=hub, user=request.user, step=step, direction=action)
        elif action == "delete":
            services.roadmap_step_delete(hub=hub, user=request.user, step=step)
            messages.success(request, _("Step removed."))
        else:
            form = RoadmapStepForm(request.POST, instance=step, prefix=f"s{step.pk}")
            if not form.is_valid():
                messages.error(
                    request,
                    _("The step was not saved: %(errors)s")
                    % {
                        "errors": " ".join(
                            str(e) for errors in form.errors.values() for e in errors
                        )
                    },
                )
                return redirect("hubs:roadmap", slug=hub.slug)
            services.roadmap_step_save(hub=hub, user=request.user, step=step, **form.cleaned_data)
            messages.success(request, _("Step saved."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("hubs:roadmap", slug=hub.slug)

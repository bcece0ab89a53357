"""The vetting workflow: every step, every forbidden actor, every impossible transition."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalogue import services
from catalogue.models import Criterion, Feedback, Review, Solution, SolutionRevision
from hubs.models import PriorityArea

from .factories import UserFactory
from .factories_hubs import HubFactory

S = SolutionRevision.Status
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CONTENT = {
    "title": "Human milk banks",
    "summary": "A national network of human milk banks.",
    "challenge": "Neonatal mortality among premature babies.",
    "description": "Collection, pasteurisation and distribution of donated milk.",
    "results": "Fewer deaths of premature babies.",
    "lessons_learned": "Start with a reference centre.",
    "country": "BR",
    "modalities": ["field_visit", "workshop"],
    "blocks": [{"title": "Reference centre", "description": "A national reference laboratory."}],
    "figures": [{"figure": "220", "description": "milk banks in the network"}],
}


pytestmark = pytest.mark.hub(name="Oswaldo Cruz Foundation")


def _assessments(rating="met"):
    return {
        c.slug: {
            "rating": rating,
            "justification": "Seen in the annual report.",
            "evidence_url": "https://example.org/r",
        }
        for c in Criterion.objects.all()
    }


def _vet(revision, editor, reviewer, curator):
    services.revision_submit(revision=revision, user=editor, now=NOW)
    services.editorial_claim(revision=revision, reviewer=reviewer)
    services.editorial_decide(revision=revision, reviewer=reviewer, passed=True)
    services.expert_review(
        revision=revision, reviewer=reviewer, assessments=_assessments(), recommendation="vet"
    )
    return services.revision_decide(revision=revision, curator=curator, decision="vet", now=NOW)


def test_the_whole_path_to_vetted(hub, editor, reviewer, curator):
    revision = services.solution_create(
        hub=hub,
        user=editor,
        data={**CONTENT, "priority_area": PriorityArea.objects.get(slug="health")},
        now=NOW,
    )
    assert revision.status == S.DRAFT and revision.blocks.count() == 1
    _vet(revision, editor, reviewer, curator)
    solution = Solution.objects.get()
    assert solution.published_id == revision.pk
    assert solution.vetted_at == NOW
    assert str(solution.revalidation_due) == "2028-10-21"  # 24 × 30 days
    assert not solution.is_overdue(today=datetime(2028, 10, 20).date())
    assert solution.is_overdue(today=datetime(2028, 10, 22).date())
    expert = Review.objects.get(stage=Review.Stage.EXPERT)
    assert (
        expert.reviewer == reviewer and expert.assessments.count() == Criterion.objects.count() == 6
    )


def test_submission_needs_the_essentials(hub, editor):
    revision = services.solution_create(hub=hub, user=editor, data={"title": "Half a solution"})
    with pytest.raises(ValidationError, match="Complete these before submitting"):
        services.revision_submit(revision=revision, user=editor)
    assert SolutionRevision.objects.get().status == S.DRAFT


def test_only_the_hubs_editors_create_edit_and_submit(hub, editor):
    stranger = UserFactory()
    other_editor = UserFactory()
    HubFactory().editors.add(other_editor)
    with pytest.raises(PermissionDenied):
        services.solution_create(hub=hub, user=other_editor, data=CONTENT)
    revision = services.solution_create(hub=hub, user=editor, data=CONTENT)
    for user in (stranger, other_editor):
        with pytest.raises(PermissionDenied):
            services.revision_update(revision=revision, user=user, data={"title": "Taken over"})
        with pytest.raises(PermissionDenied):
            services.revision_submit(revision=revision, user=user)
    unverified = UserFactory(verified=False)
    hub.editors.add(unverified)
    with pytest.raises(PermissionDenied):
        services.revision_update(revision=revision, user=unverified, data={"title": "X"})
    assert SolutionRevision.objects.get().title == "Human milk banks"


def test_reviewers_never_review_their_own_hubs_solution(hub, editor, reviewer):
    hub.editors.add(reviewer)
    revision = services.solution_create(hub=hub, user=editor, data=CONTENT)
    services.revision_submit(revision=revision, user=editor)
    with pytest.raises(PermissionDenied, match="hub you edit"):
        services.editorial_claim(revision=revision, reviewer=reviewer)
    with pytest.raises(PermissionDenied, match="Only reviewers"):
        services.editorial_claim(revision=revision, reviewer=UserFactory())
    assert SolutionRevision.objects.get().status == S.SUBMITTED


def test_only_curators_decide_and_not_on_their_own_hub(hub, editor, reviewer, curator):
    revision = services.solution_create(hub=hub, user=editor, data=CONTENT)
    services.revision_submit(revision=revision, user=editor)
    services.editorial_claim(revision=revision, reviewer=reviewer)
    services.editorial_decide(revision=revision, reviewer=reviewer, passed=True)
    with pytest.raises(ValidationError, match="expert review"):
        services.revision_decide(revision=revision, curator=curator, decision="vet")
    services.expert_review(
        revision=revision, reviewer=reviewer, assessments=_assessments(), recommendation="vet"
    )
    with pytest.raises(PermissionDenied):
        services.revision_decide(revision=revision, curator=reviewer, decision="vet")
    hub.editors.add(curator)
    with pytest.raises(PermissionDenied):
        services.revision_decide(revision=revision, curator=curator, decision="vet")
    assert not Solution.objects.get().published


def test_impossible_transitions_change_nothing(hub, editor, reviewer, curator):
    revision = services.solution_create(hub=hub, user=editor, data=CONTENT)
    with pytest.raises(ValidationError):
        services.editorial_claim(revision=revision, reviewer=reviewer)  # not submitted yet
    services.revision_submit(revision=revision, user=editor)
    with pytest.raises(ValidationError):
        services.revision_submit(revision=revision, user=editor)
    with pytest.raises(ValidationError):
        services.revision_update(
            revision=revision, user=editor, data={"title": "Changed under review"}
        )
    with pytest.raises(ValidationError):
        services.expert_review(
            revision=revision, reviewer=reviewer, assessments=_assessments(), recommendation="vet"
        )
    revision.refresh_from_db()
    assert (revision.status, revision.title) == (S.SUBMITTED, "Human milk banks")


def test_expert_review_needs_every_criterion_with_a_justification(hub, editor, reviewer):
    revision = services.solution_create(hub=hub, user=editor, data=CONTENT)
    services.revision_submit(revision=revision, user=editor)
    services.editorial_claim(revision=revision, reviewer=reviewer)
    services.editorial_decide(revision=revision, reviewer=reviewer, passed=True)
    partial = _assessments()
    partial.pop("evidence")
    with pytest.raises(ValidationError, match="Assess every criterion"):
        services.expert_review(
            revision=revision, reviewer=reviewer, assessments=partial, recommendation="vet"
        )
    blank = _assessments()
    blank["evidence"]["justification"] = " "
    with pytest.raises(ValidationError):
        services.expert_review(
            revision=revision, reviewer=reviewer, assessments=blank, recommendation="vet"
        )
    assert not Review.objects.filter(stage=Review.Stage.EXPERT).exists()


def test_editorial_return_sends_it_back_for_changes(hub, editor, reviewer):
    revision = services.solution_create(hub=hub, user=editor, data=CONTENT)
    services.revision_submit(revision=revision, user=editor)
    services.editorial_claim(revision=revision, reviewer=reviewer)
    with pytest.raises(ValidationError):
        services.editorial_decide(revision=revision, reviewer=reviewer, passed=False, comment="")
    services.editorial_decide(
        revision=revision, reviewer=reviewer, passed=False, comment="Plain language, please."
    )
    revision.refresh_from_db()
    assert revision.status == S.CHANGES_REQUESTED
    services.revision_update(revision=revision, user=editor, data={"summary": "Simpler words."})
    services.revision_submit(revision=revision, user=editor)
    assert SolutionRevision.objects.get().status == S.SUBMITTED


def test_feedback_between_reviewers_and_submitter(hub, editor, reviewer):
    revision = services.solution_create(hub=hub, user=editor, data=CONTENT)
    services.revision_submit(revision=revision, user=editor)
    services.feedback_send(
        revision=revision, user=reviewer, message="Which years do the figures cover?"
    )
    services.feedback_send(revision=revision, user=editor, message="2008 to 2012.")
    with pytest.raises(PermissionDenied):
        services.feedback_send(revision=revision, user=UserFactory(), message="Hello")
    assert list(Feedback.objects.values_list("message", flat=True)) == [
        "Which years do the figures cover?",
        "2008 to 2012.",
    ]


def test_substantive_edit_reopens_review_while_the_vetted_revision_stays_public(
    hub, editor, reviewer, curator
):
    first = services.solution_create(hub=hub, user=editor, data=CONTENT)
    _vet(first, editor, reviewer, curator)
    solution = Solution.objects.get()
    second = services.revision_start(solution=solution, user=editor)
    assert second.number == 2 and second.status == S.DRAFT and second.blocks.count() == 1
    services.revision_update(
        revision=second, user=editor, data={"title": "Human milk banks, second edition"}
    )
    solution.refresh_from_db()
    assert solution.published_id == first.pk
    assert solution.published.title == "Human milk banks"
    assert (
        services.revision_start(solution=solution, user=editor) == second
    )  # one open revision at a time
    _vet(second, editor, reviewer, curator)
    solution.refresh_from_db()
    first.refresh_from_db()
    assert solution.published_id == second.pk and first.status == S.SUPERSEDED


def test_replications_only_on_vetted_solutions_by_editors_or_curators(
    hub, editor, reviewer, curator
):
    revision = services.solution_create(hub=hub, user=editor, data=CONTENT)
    solution = revision.solution
    data = {
        "institution": "Ministry of Health",
        "country": "MZ",
        "year": 2012,
        "result": "Three banks opened.",
    }
    with pytest.raises(ValidationError):
        services.replication_add(solution=solution, user=editor, data=data)
    _vet(revision, editor, reviewer, curator)
    with pytest.raises(PermissionDenied):
        services.replication_add(solution=solution, user=UserFactory(), data=data)
    with pytest.raises(ValidationError):
        services.replication_add(solution=solution, user=editor, data={**data, "country": "XX"})
    services.replication_add(solution=solution, user=curator, data=data)
    assert solution.replications.get().institution == "Ministry of Health"


# --- The review pages decide who may see them before anything else --------------------------


def _in_expert_review(hub, editor, reviewer):
    revision = services.solution_create(
        hub=hub, user=editor, data={**CONTENT, "title": "Secret milk banks"}
    )
    services.revision_submit(revision=revision, user=editor)
    services.feedback_send(revision=revision, user=reviewer, message="Private question")
    services.editorial_claim(revision=revision, reviewer=reviewer)
    services.editorial_decide(revision=revision, reviewer=reviewer, passed=True)
    return revision


@pytest.mark.parametrize(
    "body",
    [
        {"action": "expert"},
        {"action": "expert", "recommendation": "vet"},
        {"action": "claim"},
        {"action": "decide", "decision": "vet"},
        {"action": "feedback", "message": "Hello"},
        {},
    ],
)
def test_a_member_walking_review_actions_gets_403_without_content(
    client, hub, editor, reviewer, body
):
    revision = _in_expert_review(hub, editor, reviewer)
    stranger = UserFactory()
    client.force_login(stranger)
    for pk in range(1, revision.pk + 3):
        response = client.post(reverse("catalogue:review-action", args=[pk]), body)
        assert response.status_code in (403, 404), pk
        assert b"Secret milk banks" not in response.content
        assert b"Private question" not in response.content
        assert client.get(reverse("catalogue:review", args=[pk])).status_code in (403, 404)
    assert Review.objects.filter(stage=Review.Stage.EXPERT).count() == 0
    assert Feedback.objects.count() == 1


def test_an_invalid_expert_review_shows_the_whole_page_to_its_reviewer(
    client, hub, editor, reviewer
):
    revision = _in_expert_review(hub, editor, reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("catalogue:review-action", args=[revision.pk]), {"action": "expert"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Assess every criterion" in html and "Private question" in html
    assert 'href="/solutions/review/"' in html  # the full context: the queue link for reviewers
    assert not Review.objects.filter(stage=Review.Stage.EXPERT).exists()


def test_each_review_action_needs_its_own_permission(client, hub, editor, reviewer, curator):
    revision = _in_expert_review(hub, editor, reviewer)
    url = reverse("catalogue:review-action", args=[revision.pk])
    client.force_login(editor)  # sees the page and writes messages, but does not review
    assert client.post(url, {"action": "expert"}).status_code == 403
    assert client.post(url, {"action": "decide", "decision": "vet"}).status_code == 403
    assert client.post(url, {"action": "feedback", "message": "Answer"}).status_code == 302
    client.force_login(curator)  # decides, but neither reviews nor writes messages
    assert client.post(url, {"action": "expert"}).status_code == 403
    assert client.post(url, {"action": "feedback", "message": "Hi"}).status_code == 403
    client.force_login(reviewer)
    assert client.post(url, {"action": "decide", "decision": "vet"}).status_code == 403
    assert client.post(url, {"action": "nonsense"}).status_code == 302
    assert SolutionRevision.objects.get(pk=revision.pk).status == S.EXPERT_REVIEW
    assert Feedback.objects.filter(author=editor).count() == 1

"""Hub self-assessment: scoring, peers, visibility, road map, versions."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hubs import assessment_services as services
from hubs import scoring
from hubs.models import Assessment, Level, Pillar, Question, Questionnaire, RoadmapStep

from .factories import UserFactory
from .factories_hubs import HubFactory

pytestmark = pytest.mark.hub(kind="national")


def _questions(pillar_code=None):
    questions = Question.objects.filter(pillar__questionnaire__version=1).order_by(
        "pillar__position", "position"
    )
    return questions.filter(pillar__code=pillar_code) if pillar_code else questions


def _submit(hub, user, levels_by_pillar: dict[str, int], *, share=False, publish=False):
    assessment = services.assessment_start(hub=hub, user=user)
    answers = {}
    for question in Question.objects.filter(
        pillar__questionnaire=assessment.questionnaire
    ).select_related("pillar"):
        if question.pillar.code in levels_by_pillar:
            answers[question.pk] = {"level": levels_by_pillar[question.pillar.code]}
    services.assessment_answer(assessment=assessment, user=user, answers=answers)
    return services.assessment_submit(
        assessment=assessment, user=user, share_with_peers=share, publish=publish
    )


# --- Arithmetic --------------------------------------------------------------------------


def test_pillar_scores_by_hand_with_unanswered_questions():
    structure = {"a": [1, 2, 3], "b": [4, 5], "c": [6]}
    levels = {1: 4, 2: 2, 3: None, 4: 0, 5: 1}
    assert scoring.pillar_scores(structure, levels) == {
        "a": {"score": 3.0, "answered": 2, "total": 3},
        "b": {"score": 0.5, "answered": 2, "total": 2},
        "c": {"score": None, "answered": 0, "total": 1},
    }
    assert scoring.pillar_scores({"d": [7, 8, 9]}, {7: 1, 8: 2, 9: 2})["d"]["score"] == 1.67


def test_peer_statistics_need_three_peers_per_pillar():
    two = [{"a": {"score": 1.0}}, {"a": {"score": 3.0}}]
    assert scoring.peer_statistics(two, ["a"]) is None
    three = [
        {"a": {"score": 1.0}, "b": {"score": 2.0}},
        {"a": {"score": 2.0}, "b": {"score": None}},
        {"a": {"score": 3.0}},
    ]
    stats = scoring.peer_statistics(three, ["a", "b"])
    assert stats["a"] == {"q1": 1.5, "median": 2.0, "q3": 2.5, "peers": 3}
    assert stats["b"] is None  # only one peer scored it: nothing that could reveal it


def test_submitted_scores_match_the_answers(hub, editor):
    assessment = services.assessment_start(hub=hub, user=editor)
    organisation = list(_questions("organisation"))
    services.assessment_answer(
        assessment=assessment,
        user=editor,
        answers={
            organisation[0].pk: {"level": 4},
            organisation[1].pk: {"level": 1},
            organisation[2].pk: {"level": None},
        },
    )
    services.assessment_submit(assessment=assessment, user=editor)
    assessment.refresh_from_db()
    assert assessment.scores["organisation"] == {
        "score": 2.5,
        "answered": 2,
        "total": len(organisation),
    }
    assert assessment.scores["financing"]["score"] is None


def test_a_new_questionnaire_version_leaves_old_results_alone(client, hub, editor):
    old = _submit(hub, editor, {"organisation": 2, "people": 1})
    frozen = dict(old.scores)
    version_2 = Questionnaire.objects.create(version=2, title="v2", is_active=True)
    pillar = Pillar.objects.create(
        questionnaire=version_2, code="organisation", kind="institutional", title="Organisation"
    )
    question = Question.objects.create(
        pillar=pillar, code="organisation-new", text="A new question?"
    )
    Level.objects.bulk_create(
        Level(question=question, value=v, description=f"Level {v}") for v in range(5)
    )
    Questionnaire.objects.filter(version=1).update(is_active=False)
    new = services.assessment_start(hub=hub, user=editor)
    assert new.questionnaire == version_2
    old.refresh_from_db()
    assert old.scores == frozen and old.questionnaire.version == 1
    client.force_login(editor)
    page = client.get(reverse("hubs:assessment-result", args=[hub.slug, old.pk])).content.decode()
    assert "Monitoring and evaluating results" in page  # still shown with its own version's pillars


# --- Peers and visibility ---------------------------------------------------------------------


def _peer(levels, kind="national", share=True):
    peer_hub = HubFactory(kind=kind)
    peer_editor = UserFactory()
    peer_hub.editors.add(peer_editor)
    return _submit(peer_hub, peer_editor, levels, share=share)


def test_peer_comparison_only_with_three_sharing_peers(client, hub, editor):
    mine = _submit(hub, editor, {"organisation": 2})
    _peer({"organisation": 1})
    _peer({"organisation": 3})
    _peer({"organisation": 4}, share=False)  # not shared
    _peer({"organisation": 4}, kind="sector")  # another kind
    client.force_login(editor)
    url = reverse("hubs:assessment-result", args=[hub.slug, mine.pk])
    page = client.get(url).content.decode()
    assert "Peer comparison appears once at least three other hubs" in page
    assert "Peers: lower quartile" not in page
    _peer({"organisation": 4})
    page = client.get(url).content.decode()
    assert "Peers: lower quartile" in page
    assert "2.0 – 3.0 – 3.5" in page


def test_unpublished_assessment_is_only_for_editors_and_curators(client, hub, editor, curator):
    assessment = _submit(hub, editor, {"organisation": 2})
    urls = [
        reverse("hubs:assessment-result", args=[hub.slug, assessment.pk]),
        reverse("hubs:assessment-json", args=[hub.slug, assessment.pk]),
        reverse("hubs:assessment-csv", args=[hub.slug, assessment.pk]),
        reverse("hubs:assessments", args=[hub.slug]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.force_login(UserFactory())  # a member who is not the hub's editor
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/assessments/").json()["count"] == 0
    assert client.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 404
    for user in (editor, curator):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200, url
        assert (
            client.get(f"/api/v1/assessments/{assessment.pk}/").json()["scores"]["organisation"][
                "score"
            ]
            == 2.0
        )
    # Published: the public sees it.
    services.assessment_set_visibility(
        assessment=assessment, user=editor, share_with_peers=False, publish=True
    )
    client.logout()
    assert client.get(urls[0]).status_code == 200
    assert client.get("/api/v1/assessments/").json()["count"] == 1


def test_strangers_cannot_take_or_change_an_assessment(client, hub, editor):
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        services.assessment_start(hub=hub, user=stranger)
    assessment = services.assessment_start(hub=hub, user=editor)
    with pytest.raises(PermissionDenied):
        services.assessment_answer(assessment=assessment, user=stranger, answers={})
    client.force_login(stranger)
    assert client.post(reverse("hubs:assessment-start", args=[hub.slug])).status_code == 403
    assert (
        client.get(reverse("hubs:assessment-take", args=[hub.slug, assessment.pk])).status_code
        == 403
    )
    assert client.get(reverse("hubs:roadmap", args=[hub.slug])).status_code == 403


# --- Taking it ----------------------------------------------------------------------------------


def test_answers_are_saved_across_sittings_and_bad_input_refused(client, hub, editor):
    client.force_login(editor)
    response = client.post(reverse("hubs:assessment-start", args=[hub.slug]))
    assessment = Assessment.objects.get()
    assert response["Location"] == assessment.get_absolute_url()
    question = _questions("organisation").first()
    url = assessment.get_absolute_url() + "?pillar=organisation"
    bad = client.post(url, {f"q{question.pk}_level": "7"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    html_file = SimpleUploadedFile("x.html", b"<html><script>alert(1)</script>", "text/html")
    bad = client.post(
        url, {f"q{question.pk}_level": "2", f"q{question.pk}_evidence_file": html_file}
    )
    assert "Attach a PDF, an image" in bad.content.decode()
    assert not assessment.answers.exists()
    pdf = SimpleUploadedFile("annual-report.pdf", b"%PDF-1.4 report", "application/pdf")
    client.post(
        url,
        {
            f"q{question.pk}_level": "3",
            f"q{question.pk}_evidence_note": "Decree 12",
            f"q{question.pk}_evidence_file": pdf,
            "save": "1",
        },
    )
    # A later sitting finds the answer and its progress.
    page = client.get(url).content.decode()
    assert re.search(rf'name="q{question.pk}_level" value="3"[^>]*checked', page)
    assert f"1 of {_questions().count()} questions answered" in page
    answer = assessment.answers.get(question=question)
    assert (answer.level, answer.evidence_note) == (
        3,
        "Decree 12",
    ) and answer.evidence_file.name.endswith(".pdf")
    assert client.get(assessment.get_absolute_url() + "?pillar=nope").status_code == 302


def test_submitting_nothing_is_refused(hub, editor):
    assessment = services.assessment_start(hub=hub, user=editor)
    with pytest.raises(ValidationError):
        services.assessment_submit(assessment=assessment, user=editor)
    assert Assessment.objects.get().status == Assessment.Status.DRAFT


def test_submitted_assessment_cannot_change(hub, editor):
    assessment = _submit(hub, editor, {"people": 2})
    with pytest.raises(ValidationError):
        services.assessment_answer(
            assessment=assessment,
            user=editor,
            answers={_questions("people").first().pk: {"level": 4}},
        )


# --- Road map ----------------------------------------------------------------------------------


def test_road_map_starts_from_the_weakest_pillars_and_can_be_adapted(client, hub, editor):
    _submit(
        hub,
        editor,
        {"organisation": 3, "partnerships": 3, "people": 0, "financing": 1, "results": 2},
    )
    steps = list(RoadmapStep.objects.filter(hub=hub).select_related("question__pillar"))
    assert steps and len(steps) <= services.ROADMAP_STEPS
    assert {step.question.pillar.code for step in steps} <= {"people", "financing", "results"}
    assert steps[0].question.pillar.code == "people" and steps[0].target_level == 1
    client.force_login(editor)
    first, second = steps[0], steps[1]
    url = reverse("hubs:roadmap-step", args=[hub.slug, first.pk])
    client.post(
        url,
        {
            f"s{first.pk}-title": "Hire two exchange officers",
            f"s{first.pk}-owner": "HR unit",
            f"s{first.pk}-status": "in_progress",
            f"s{first.pk}-due_date": "2027-03-31",
        },
    )
    first.refresh_from_db()
    assert (first.title, first.owner, first.status, str(first.due_date)) == (
        "Hire two exchange officers",
        "HR unit",
        "in_progress",
        "2027-03-31",
    )
    client.post(url, {"action": "down"})
    order = list(
        RoadmapStep.objects.filter(hub=hub).order_by("position").values_list("pk", flat=True)
    )
    assert order[:2] == [second.pk, first.pk]
    client.post(
        reverse("hubs:roadmap", args=[hub.slug]), {"title": "Our own step", "status": "not_started"}
    )
    assert RoadmapStep.objects.filter(hub=hub, title="Our own step", question=None).exists()
    response = client.post(
        reverse("hubs:roadmap", args=[hub.slug]), {"title": "", "status": "not_started"}
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    client.post(url, {"action": "delete"})
    assert not RoadmapStep.objects.filter(pk=first.pk).exists()
    # A stranger cannot touch it.
    client.force_login(UserFactory())
    assert (
        client.post(
            reverse("hubs:roadmap-step", args=[hub.slug, second.pk]), {"action": "delete"}
        ).status_code
        == 403
    )
    assert RoadmapStep.objects.filter(pk=second.pk).exists()


def test_second_assessment_shows_the_change_per_pillar(client, hub, editor):
    _submit(hub, editor, {"organisation": 1, "people": 1})
    later = _submit(hub, editor, {"organisation": 3, "people": 1})
    client.force_login(editor)
    page = client.get(reverse("hubs:assessment-result", args=[hub.slug, later.pk])).content.decode()
    assert "Change since last time" in page and "+2.0" in page
    index = client.get(reverse("hubs:assessments", args=[hub.slug])).content.decode()
    assert "1.0" in index and "3.0" in index


def test_road_map_steps_point_to_solutions_posts_and_webinars_on_their_pillar(client, hub, editor):
    from django.core.management import call_command

    from community.models import BlogPost

    from .webinars_support import WebinarFactory

    call_command("load_demo")
    BlogPost.objects.create(
        slug="monitoring-lessons", title="Monitoring exchanges cheaply", body="…", author=editor
    )
    BlogPost.objects.create(
        slug="draft-monitoring",
        title="Draft on monitoring",
        body="…",
        author=editor,
        is_published=False,
    )
    WebinarFactory(title="Evaluation of peer learning", is_published=True)
    WebinarFactory(title="Evaluation, cancelled", is_published=True, status="cancelled")
    _submit(hub, editor, {pillar.code: 4 for pillar in Pillar.objects.all()} | {"results": 0})
    client.force_login(editor)
    page = client.get(reverse("hubs:roadmap", args=[hub.slug])).content.decode()
    assert "To learn from:" in page
    assert "Monitoring exchanges cheaply" in page and "Draft on monitoring" not in page
    assert "Evaluation of peer learning" in page and "Evaluation, cancelled" not in page
    assert re.search(r'href="/solutions/[\w-]+/"[^>]*>[^<]+</a> <span class="tag">solution', page)

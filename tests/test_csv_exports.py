"""Every CSV download quotes text that a spreadsheet would run as a formula (OWASP rule)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Solution, SolutionRevision
from catalogue.search import index_solution
from core.csv_export import csv_response, safe_cell
from hubs import assessment_services
from hubs.models import Question
from webinars import services as webinar_services

from .factories import UserFactory
from .factories_exchanges import ExchangeFactory
from .factories_hubs import HubFactory
from .webinars_support import WebinarFactory

PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
LEGITIMATE = ["Agency for Cooperation", "Ação Brasileira: 50% = metade", "2025-01-02"]


def _curator():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Curators"))
    return user


def _solutions(client):
    author = UserFactory()
    for n, title in enumerate(PAYLOADS + LEGITIMATE):
        solution = Solution.objects.create(
            slug=f"solution-{n}", created_by=author, vetted_at=timezone.now()
        )
        solution.published = SolutionRevision.objects.create(
            solution=solution, number=1, status="vetted", title=title, created_by=author
        )
        solution.save(update_fields=["published"])
        index_solution(solution)
    return reverse("catalogue:export-csv"), "title"


def _hubs(client):
    for title in PAYLOADS + LEGITIMATE:
        HubFactory(name=title)
    return reverse("hubs:export-csv"), "name"


def _assessment(client):
    hub = HubFactory()
    editor = UserFactory()
    hub.editors.add(editor)
    assessment = assessment_services.assessment_start(hub=hub, user=editor)
    notes = PAYLOADS + LEGITIMATE
    questions = Question.objects.filter(pillar__questionnaire=assessment.questionnaire).order_by(
        "pillar__position", "position"
    )[: len(notes)]
    assert len(questions) == len(notes)
    assessment_services.assessment_answer(
        assessment=assessment,
        user=editor,
        answers={
            q.pk: {"level": 2, "evidence_note": note}
            for q, note in zip(questions, notes, strict=True)
        },
    )
    client.force_login(editor)
    return reverse("hubs:assessment-csv", args=[hub.slug, assessment.pk]), "evidence"


def _dashboard(client):
    receiver = HubFactory(name=LEGITIMATE[0])
    for name in PAYLOADS + LEGITIMATE[1:]:
        ExchangeFactory(provider_hubs=[HubFactory(name=name)], recipient_hub=receiver)
    client.force_login(_curator())
    return reverse("exchanges:dashboard-csv") + "?chart=hubs", "hub_name"


def _registrants(client):
    organiser = UserFactory()
    starts_at = timezone.now() + timedelta(days=5)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    webinar.organisers.add(organiser)
    for name in PAYLOADS + LEGITIMATE:
        webinar_services.webinar_register(webinar=webinar, user=UserFactory(name=name))
    client.force_login(organiser)
    return reverse("webinars:registrants-csv", args=[webinar.slug]), "name"


@pytest.mark.parametrize(
    "make", [_solutions, _hubs, _assessment, _dashboard, _registrants], ids=lambda f: f.__name__
)
def test_every_csv_export_quotes_formula_cells_and_keeps_the_rest(client, db, make):
    url, column = make(client)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    cells = [row[column] for row in rows]
    for payload in PAYLOADS:
        assert "'" + payload in cells, (payload, cells)
        assert payload not in cells
    for value in LEGITIMATE:
        assert value in cells, (value, cells)
    # Nothing in the whole file starts a cell with a formula character any more.
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), row
            assert not value.startswith("-") or value.lstrip("-").isdigit(), row


def test_the_dashboard_keeps_a_negative_balance_a_number(client, db):
    receiver = HubFactory(name="Receiver")
    ExchangeFactory(provider_hubs=[HubFactory(name="Giver")], recipient_hub=receiver)
    client.force_login(_curator())
    response = client.get(reverse("exchanges:dashboard-csv"), {"chart": "hubs"})
    rows = {r["hub_name"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows["Receiver"]["balance"] == "-1"
    assert rows["Giver"]["balance"] == "1"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (-2, -2),
        (-2.5, -2.5),
        (None, None),
    ],
)
def test_safe_cell_guards_text_only(value, written):
    assert safe_cell(value) == written


def test_csv_response_reads_mappings_by_column_and_sequences_in_order():
    response = csv_response(
        filename="x.csv", columns=["a", "b"], rows=[{"b": "=2", "a": 1}, ["-3", -3], {"a": "x"}]
    )
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response.content.decode().splitlines() == ["a,b", "1,'=2", "'-3,-3", "x,"]

"""The closed loop in the browser: request → suggestions → offer → match → exchange → results →
replication on the solution → counted on the dashboard."""

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from catalogue.models import Replication
from exchanges.models import Exchange, KnowledgeRequest
from hubs.models import Hub

from .accessibility import assert_accessible
from .browser import log_in
from .factories import UserFactory

CHALLENGE = (
    "Too many premature babies die in our maternity hospitals. We want to collect, pasteurise "
    "and distribute donated human milk, as a network of milk banks."
)


def test_from_request_to_replication_and_dashboard(page):
    call_command("load_demo", "hubs", "catalogue")
    requester = UserFactory(email="maputo@example.org", organisation="Ministry of Health")
    editor = UserFactory(email="editor@example.org")
    Hub.objects.get(slug="fiocruz").editors.add(editor)
    curator = UserFactory(email="curator@example.org")
    curator.groups.add(Group.objects.get(name="Curators"))
    base = page.base_url

    # The public dashboard before: no exchange between Brazil and Mozambique.
    page.goto(base + reverse("exchanges:dashboard"))
    flows = page.locator("table[data-table=flows]")
    expect(flows.get_by_role("row", name="Brazil Mozambique")).to_have_count(0)

    # 1. A member posts a request and sees suggestions with reasons.
    log_in(page, requester.email)
    page.goto(base + reverse("requests:new"))
    page.get_by_label("Title").fill("Milk banks for premature babies")
    page.get_by_label("The challenge, in your words").fill(CHALLENGE)
    page.get_by_label("Country").select_option("MZ")
    page.get_by_label("Field visit").check()
    page.get_by_role("button", name="Post the request").click()
    expect(page.get_by_role("heading", name="Suggested solutions")).to_be_visible()
    suggestions = page.locator(
        "section", has=page.get_by_role("heading", name="Suggested solutions")
    )
    first = suggestions.get_by_role("listitem").first
    expect(first.get_by_role("link", name="Human milk bank network")).to_be_visible()
    expect(first).to_contain_text("Matched because")
    expect(first).to_contain_text("milk")
    assert_accessible(page)
    request = KnowledgeRequest.objects.get()

    # 2. The provider hub's editor finds it among the requests for their hub and offers.
    log_in(page, editor.email)
    page.goto(base + reverse("requests:for-my-hub"))
    page.get_by_role("link", name="Milk banks for premature babies").click()
    page.get_by_label("Your offer").fill("We can host a field visit to our reference centre.")
    page.get_by_role("button", name="Send the offer").click()
    expect(page.get_by_text("Your offer has been sent.")).to_be_visible()

    # 3. A curator brokers the match (the offering hub is preselected).
    log_in(page, curator.email)
    page.goto(base + request.get_absolute_url())
    page.get_by_role("link", name="Broker a match").click()
    assert_accessible(page)
    expect(page.get_by_label("Oswaldo Cruz Foundation", exact=False).first).to_be_checked()
    page.get_by_label("Human milk bank network", exact=False).first.check()
    page.get_by_label("Note to the requester").fill("FIOCRUZ runs the reference centre.")
    page.get_by_role("button", name="Propose the match").click()
    expect(page.get_by_text("The match is proposed to the requester.")).to_be_visible()

    # 4. The requester accepts: the exchange is planned.
    log_in(page, requester.email)
    page.goto(base + request.get_absolute_url())
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Milk banks for premature babies")
    exchange = Exchange.objects.get()
    assert exchange.status == Exchange.Status.PLANNED
    assert page.url.endswith(exchange.get_absolute_url())
    assert_accessible(page)

    # 5. The provider runs it and reports; the requester reports the adoption and completes it.
    log_in(page, editor.email)
    page.goto(base + exchange.get_absolute_url())
    page.get_by_role("button", name="Mark as under way").click()
    page.get_by_text("Report a result").click()
    page.get_by_label("Reported by the").select_option("provider")
    page.get_by_label("Outcome").select_option("enhanced_skills")
    page.get_by_label("What changed").fill("Twelve nurses trained in pasteurisation.")
    page.get_by_role("button", name="Report the result").click()
    expect(page.get_by_text("Thank you. The result is recorded.")).to_be_visible()

    log_in(page, requester.email)
    page.goto(base + exchange.get_absolute_url())
    page.get_by_text("Report a result").click()
    page.get_by_label("Outcome").select_option("new_actions")
    page.get_by_label("What changed").fill("Maputo Central Hospital opened the first milk bank.")
    page.get_by_label("Evidence").fill("https://example.org/maputo-milk-bank")
    page.get_by_label("The recipient adopted or adapted the solution").check()
    page.get_by_role("button", name="Report the result").click()
    expect(page.get_by_text("Thank you. The result is recorded.")).to_be_visible()
    page.get_by_role("button", name="Mark as completed").click()
    expect(page.get_by_text("The exchange is now “Completed”.")).to_be_visible()
    page.get_by_role("button", name="Add to the adoption history", exact=False).click()
    assert_accessible(page)

    # 6. The solution shows the replication, from the exchange.
    replication = Replication.objects.get(exchange=exchange)
    page.goto(base + reverse("catalogue:detail", args=["human-milk-banks"]))
    history = page.locator("section", has=page.get_by_role("heading", name="Adoption history"))
    expect(history).to_contain_text("Adapted by Ministry of Health in Mozambique")
    expect(history).to_contain_text("Maputo Central Hospital opened the first milk bank.")
    expect(history.get_by_role("link", name="from an exchange")).to_have_attribute(
        "href", exchange.get_absolute_url()
    )
    assert replication.solution.slug == "human-milk-banks"

    # 7. The dashboard counts it, for anyone.
    page.context.clear_cookies()
    page.goto(base + reverse("exchanges:dashboard"))
    # An anonymous page may be kept for a minute (Cache-Control: public, max-age=60), and
    # this browser saw it anonymously at the start: a reload asks the server again.
    page.reload()
    row = page.locator("table[data-table=flows]").get_by_role("row", name="Brazil Mozambique")
    expect(row.get_by_role("cell").last).to_have_text("1")
    expect(page.get_by_role("link", name="Milk banks for premature babies")).to_be_visible()
    assert_accessible(page)

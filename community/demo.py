"""Demonstration data for the Community of Practice.

The monthly themes, regional chapters and living laboratories the source names, with only the
facts it states; a theme for the current month; and sample members, threads, blog posts and
emerging solutions, all marked as samples. Only adds what is missing: records are matched on a
stable key (month, slug, e-mail, title) and an existing one is never changed, memberships
included. ``load_demo --reset`` puts the themes, chapters and labs back in place and deletes
the sample threads, blog posts and lessons nobody else's rows depend on, to create them again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from core.demo_support import creating, delete_samples, note

from . import services
from .models import (
    BlogPost,
    Category,
    Chapter,
    EmergingSolution,
    LivingLab,
    Post,
    Status,
    Theme,
    Thread,
)

THEMES = [
    ("2013-04", "Transforming Institutions", False),
    ("2013-05", "Planning and Implementing Knowledge Exchange", False),
    ("2013-06", "Learning from Failure", False),
    ("2013-09", "Building and Sustaining Partnerships", False),
]

CHAPTERS = [
    {
        "slug": "asia-pacific",
        "name": "Asia-Pacific",
        "region": "Asia and the Pacific",
        "partner": "Asian Development Bank (ADB)",
        "time_zone": "Asia/Manila",
        "meeting_weekday": 2,
        "meeting_hour": 15,
    },
    {
        "slug": "latin-america-caribbean",
        "name": "Latin America and the Caribbean",
        "region": "Latin America and the Caribbean",
        "partner": "",
        "time_zone": "America/Bogota",
        "meeting_weekday": 3,
        "meeting_hour": 10,
    },
    {
        "slug": "africa",
        "name": "Africa",
        "region": "Africa",
        "partner": "",
        "time_zone": "Africa/Nairobi",
        "meeting_weekday": 1,
        "meeting_hour": 11,
    },
]

LABS = [
    {
        "slug": "abes-brazil",
        "name": "Sanitary and environmental engineering (Brazil)",
        "institution": "Brazilian Association of Sanitary and Environmental Engineering (ABES)",
        "country": "Brazil",
    },
    {
        "slug": "dane-colombia",
        "name": "National statistics (Colombia)",
        "institution": "National Administrative Department of Statistics (DANE)",
        "country": "Colombia",
    },
    {
        "slug": "bnpb-indonesia",
        "name": "Disaster management (Indonesia)",
        "institution": "National Disaster Management Agency (BNPB)",
        "country": "Indonesia",
    },
    {
        "slug": "lamata-lagos",
        "name": "Metropolitan transport (Lagos)",
        "institution": "Lagos Metropolitan Area Transport Authority (LAMATA)",
        "country": "Lagos, Nigeria",
    },
]

SAMPLE_PEOPLE = [
    ("sample.failforward@example.org", "Sample author (Fail Forward)", "Fail Forward", True),
    ("sample.fluyt@example.org", "Sample author (Fluyt)", "Fluyt", True),
    ("sample.isdb@example.org", "Sample author (IsDB)", "Islamic Development Bank (IsDB)", True),
    ("sample.member@example.org", "Sample member", "Sample ministry of planning", False),
]

SAMPLE_NOTE = "*This is a sample record, invented for the demonstration.*"


def _person(email: str, name: str, organisation: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"name": name, "organisation": organisation}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    services.profile_for(user)
    user.demo_created = created
    return user


def _thread(
    category: Category, author: User, title: str, posts: list[tuple[User, str]]
) -> Thread | None:
    thread = Thread.objects.filter(category=category, title=title, is_sample=True).first()
    if thread:
        return thread
    with creating(f"sample thread “{title}”"):
        return _new_thread(category, author, title, posts)
    return None


def _new_thread(category: Category, author: User, title: str, posts) -> Thread:
    now = timezone.now()
    thread = Thread.objects.create(
        category=category,
        theme=category.theme,
        title=title,
        author=author,
        status=Status.PUBLISHED,
        created=now,
        last_activity=now,
        last_post_author=author,
        is_sample=True,
    )
    for position, (person, body) in enumerate(posts):
        Post.objects.create(
            thread=thread,
            author=person,
            body=f"{body}\n\n{SAMPLE_NOTE}",
            is_opening=position == 0,
            status=Status.PUBLISHED,
            created=now,
            is_sample=True,
        )
    services._refresh_thread(thread)
    return thread


def _blog_post(author: User, slug: str, title: str, theme: Theme | None, tags, body: str) -> None:
    if BlogPost.objects.filter(slug=slug).exists():
        return
    with creating(f"sample blog post {slug}"):
        _new_blog_post(author, slug, title, theme, tags, body)


def _new_blog_post(author: User, slug: str, title: str, theme, tags, body: str) -> None:
    thread = Thread.objects.create(
        category=services._blog_category(),
        theme=theme,
        title=title,
        author=author,
        status=Status.PUBLISHED,
        is_sample=True,
    )
    BlogPost.objects.create(
        slug=slug,
        title=title,
        summary="",
        body=f"{body}\n\n{SAMPLE_NOTE}",
        author=author,
        theme=theme,
        tags=tags,
        thread=thread,
        is_sample=True,
    )


def _theme_values(title: str, is_sample: bool) -> dict:
    return {"title": title, "is_sample": is_sample}


def load() -> None:
    themes = {}
    for month, title, is_sample in THEMES:
        theme, _ = Theme.objects.get_or_create(
            month=month, defaults=_theme_values(title, is_sample)
        )
        services.category_ensure(theme=theme)
        themes[month] = theme
    current_month = datetime.now(UTC).strftime("%Y-%m")
    current, _ = Theme.objects.get_or_create(month=current_month, defaults=CURRENT_THEME)
    services.category_ensure(theme=current)

    chapters, new_chapters = {}, set()
    for data in CHAPTERS:
        chapter, created = Chapter.objects.get_or_create(slug=data["slug"], defaults=data)
        services.category_ensure(chapter=chapter)
        chapters[chapter.slug] = chapter
        if created:
            new_chapters.add(chapter.slug)
    labs = {}
    for data in LABS:
        lab, _ = LivingLab.objects.get_or_create(slug=data["slug"], defaults=data)
        services.category_ensure(lab=lab)
        labs[lab.slug] = lab

    people = {}
    authors = Group.objects.filter(name="Expert authors").first()
    for email, name, organisation, is_author in SAMPLE_PEOPLE:
        people[email] = _person(email, name, organisation)
        if is_author and authors and people[email].demo_created:
            people[email].groups.add(authors)
    failforward = people["sample.failforward@example.org"]
    fluyt = people["sample.fluyt@example.org"]
    isdb = people["sample.isdb@example.org"]
    member = people["sample.member@example.org"]
    if "asia-pacific" in new_chapters:
        chapters["asia-pacific"].members.add(member)
        chapters["asia-pacific"].coordinators.add(isdb)

    failure = themes["2013-06"]
    _thread(
        failure.category,
        member,
        "What did your last failed exchange teach you? (sample)",
        [
            (
                member,
                "Our study tour went ahead without a clear question to answer. What went wrong for you?",
            ),
            (
                failforward,
                "@sample-member we now write the learning question before booking anything.",
            ),
        ],
    )
    general = Category.objects.filter(slug="general").first()
    if general is None:
        note("Skipped sample thread “Introduce yourself (sample)”: no forum “general”.")
    else:
        _thread(
            general,
            fluyt,
            "Introduce yourself (sample)",
            [(fluyt, "Say who you are and which exchange you are working on.")],
        )
    _thread(
        chapters["asia-pacific"].category,
        isdb,
        "Chapter kick-off meeting (sample)",
        [(isdb, "Which time suits most of the chapter for a first call?")],
    )
    _thread(
        labs["bnpb-indonesia"].category,
        member,
        "Lesson: agree roles before the emergency (sample)",
        [(member, "A lesson from the pilot: every agency's role was agreed before the drill.")],
    )

    _blog_post(
        failforward,
        "sample-admitting-failure",
        "Why admitting failure helps an exchange (sample)",
        failure,
        ["failure", "learning"],
        "Peers learn most from what did not work, if someone is willing to say so.",
    )
    _blog_post(
        fluyt,
        "sample-designing-exchanges",
        "Designing an exchange around one question (sample)",
        themes["2013-05"],
        ["design"],
        "An exchange with one clear question is easier to plan, run and evaluate.",
    )
    _blog_post(
        isdb,
        "sample-reverse-linkage",
        "Partnerships that last beyond the first exchange (sample)",
        themes["2013-09"],
        ["partnerships"],
        "Lasting partnerships come from repeated, two-way exchanges.",
    )

    for lab in labs.values():
        if EmergingSolution.objects.filter(lab=lab, is_sample=True).exists():
            continue
        EmergingSolution.objects.create(
            lab=lab,
            title="Sample emerging lesson",
            description="An invented example of a lesson members can endorse.\n\n" + SAMPLE_NOTE,
            is_sample=True,
        )


CURRENT_THEME = {
    "title": "Knowledge Exchange in Practice (sample theme)",
    "summary": "A sample theme for this month, so the home page has one to show.",
    "introduction": "Share what worked and what did not in your latest exchange.\n\n" + SAMPLE_NOTE,
    "is_sample": True,
}

SAMPLE_THREAD_TITLES = [
    "What did your last failed exchange teach you? (sample)",
    "Introduce yourself (sample)",
    "Chapter kick-off meeting (sample)",
    "Lesson: agree roles before the emergency (sample)",
]
BLOG_SLUGS = ["sample-admitting-failure", "sample-designing-exchanges", "sample-reverse-linkage"]


def reset() -> None:
    """Themes, chapters and labs back in place; sample threads and posts deleted (when safe)."""
    for month, title, is_sample in THEMES:
        Theme.objects.filter(month=month).update(**_theme_values(title, is_sample))
    Theme.objects.filter(month=datetime.now(UTC).strftime("%Y-%m"), is_sample=True).update(
        **CURRENT_THEME
    )
    for data in CHAPTERS:
        Chapter.objects.filter(slug=data["slug"]).update(**data)
    for data in LABS:
        LivingLab.objects.filter(slug=data["slug"]).update(**data)
    authors = Group.objects.filter(name="Expert authors").first()
    for email, name, organisation, is_author in SAMPLE_PEOPLE:
        User.objects.filter(email=email).update(name=name, organisation=organisation)
        person = User.objects.filter(email=email).first()
        if person and is_author and authors:
            person.groups.add(authors)
    asia = Chapter.objects.filter(slug="asia-pacific").first()
    if asia:
        asia.members.add(*User.objects.filter(email="sample.member@example.org"))
        asia.coordinators.add(*User.objects.filter(email="sample.isdb@example.org"))
    for post in BlogPost.objects.filter(slug__in=BLOG_SLUGS, is_sample=True):
        comments = Thread.objects.filter(pk=post.thread_id, is_sample=True)
        if post.thread_id and not delete_samples(comments, "comments of sample blog post"):
            continue
        delete_samples(BlogPost.objects.filter(pk=post.pk), "sample blog post")
    delete_samples(
        Thread.objects.filter(title__in=SAMPLE_THREAD_TITLES, is_sample=True), "sample thread"
    )
    delete_samples(EmergingSolution.objects.filter(is_sample=True), "sample emerging lesson")

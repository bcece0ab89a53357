"""One rule for addresses made from titles (solutions, requests, exchanges, blog posts)."""

import pytest

from community.models import Chapter
from core.slugs import unique_slug

from .factories_community import ChapterFactory

pytestmark = pytest.mark.django_db


def test_a_free_title_is_its_own_slug():
    assert unique_slug(Chapter, "Water & Sanitation", fallback="chapter") == "water-sanitation"


def test_namesakes_are_numbered_from_two():
    ChapterFactory(slug="water")
    ChapterFactory(slug="water-2")
    ChapterFactory(slug="water-works")  # shares the prefix, does not take a number
    assert unique_slug(Chapter, "Water", fallback="chapter") == "water-3"


def test_a_long_title_fits_the_field_with_room_for_a_number():
    max_length = Chapter._meta.get_field("slug").max_length
    title = "budget " * 60
    first = unique_slug(Chapter, title, fallback="chapter")
    ChapterFactory(slug=first)
    second = unique_slug(Chapter, title, fallback="chapter")
    assert len(first) <= max_length and len(second) <= max_length
    assert second == f"{first}-2" and not first.endswith("-")


@pytest.mark.parametrize("title", ["", "!!!", "—"])
def test_a_title_without_letters_gets_the_fallback(title):
    assert unique_slug(Chapter, title, fallback="chapter") == "chapter"

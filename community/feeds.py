"""Atom feed of the expert blog: /feeds/blog/."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from core.markdown import render_markdown

from .models import BlogPost


class BlogFeed(Feed):
    feed_type = Atom1Feed
    title = _("Knowledge Hubs Portal — expert blog")
    subtitle = _("Posts by practitioners of knowledge exchange.")
    link = reverse_lazy("community:blog")

    def items(self):
        return BlogPost.objects.published().with_card_data()[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return render_markdown(item.body)

    def item_author_name(self, item):
        return item.author.display_name

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated

    def item_categories(self, item):
        return item.tags

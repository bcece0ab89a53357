"""Atom feed of upcoming webinars (no join links: the feed is public)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.markdown import render_markdown

from .models import Webinar
from .timezones import dual_times

FEED_SIZE = 50


class UpcomingWebinarsFeed(Feed):
    feed_type = Atom1Feed
    title = _("Upcoming webinars — Knowledge Hubs Portal")
    subtitle = _("Webinars of the Community of Practice, with public- and private-sector experts.")
    link = reverse_lazy("webinars:list")

    def items(self):
        return Webinar.objects.listed().upcoming()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        times = dual_times(item, "UTC")
        with timezone.override(times.host.zone):
            when = format_html(
                "<p>{} UTC · {} {} ({}) · {}</p>",
                times.viewer.starts_at.strftime("%Y-%m-%d %H:%M"),
                date_format(times.host.starts_at, "j F Y"),
                times.host.starts_at.strftime("%H:%M"),
                times.host.zone,
                item.host_organisation,
            )
        return when + render_markdown(item.description)

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.host_organisation

    def item_guid(self, item):
        return f"{settings.SITE_URL}{item.get_absolute_url()}#{item.uid}"

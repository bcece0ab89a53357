from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .models import SolutionSearch


class NewlyVettedSolutions(Feed):
    feed_type = Atom1Feed
    title = _("Newly vetted solutions")
    subtitle = _(
        "Development solutions that have just passed vetting on the Knowledge Hubs Portal."
    )

    def link(self):
        return reverse("catalogue:search")

    def items(self):
        return SolutionSearch.objects.exclude(vetted_at=None).order_by("-vetted_at")[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return reverse("catalogue:detail", args=[item.slug])

    def item_pubdate(self, item):
        return item.vetted_at

    def item_updateddate(self, item):
        return item.vetted_at

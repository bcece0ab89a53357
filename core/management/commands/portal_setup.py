from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Set the site's domain and name from SITE_URL (safe to run on every deploy)."

    def handle(self, *args, **options):
        domain = urlsplit(settings.SITE_URL).netloc
        Site.objects.update_or_create(
            pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.SITE_NAME}
        )
        self.stdout.write(f"Site set to {domain}.")

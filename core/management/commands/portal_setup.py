from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand

# What django.contrib.sites creates on its first migrate: nobody has chosen these values.
DJANGO_DEFAULT_SITE = "example.com"


class Command(BaseCommand):
    help = (
        "Create the site from SITE_URL and SITE_NAME if it is missing (safe to run on every "
        "deploy). A site someone has already set (in the admin, or by an earlier run) is never "
        "changed; only Django's untouched example.com placeholder is replaced."
    )

    def handle(self, *args, **options):
        domain = urlsplit(settings.SITE_URL).netloc
        values = {"domain": domain, "name": settings.SITE_NAME}
        site, created = Site.objects.get_or_create(pk=settings.SITE_ID, defaults=values)
        if created:
            self.stdout.write(f"Site set to {domain}.")
            return
        if site.domain == DJANGO_DEFAULT_SITE and site.name == DJANGO_DEFAULT_SITE:
            Site.objects.filter(pk=site.pk).update(**values)
            Site.objects.clear_cache()
            self.stdout.write(f"Site set to {domain}.")
            return
        if site.domain != domain:
            self.stdout.write(
                f"Site kept as {site.domain} (SITE_URL says {domain}): change it in the admin "
                "if it should follow SITE_URL."
            )
        else:
            self.stdout.write(f"Site already set to {domain}.")

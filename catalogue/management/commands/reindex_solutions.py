from django.core.management.base import BaseCommand
from django.db import transaction

from catalogue.models import Solution
from catalogue.search import index_solution


class Command(BaseCommand):
    help = (
        "Rebuild the search rows of every vetted solution (after changing how the index is built)."
    )

    def handle(self, *args, **options):
        count = 0
        solutions = (
            Solution.objects.exclude(published=None)
            .select_related("published")
            .iterator(chunk_size=500)
        )
        for solution in solutions:
            with transaction.atomic():
                index_solution(solution)
            count += 1
        self.stdout.write(f"Reindexed {count} solution(s).")

"""What the demonstration loaders (``<app>/demo.py``) share.

The rule of ``load_demo``: it only adds what is missing, matched on a natural key (slug,
e-mail, title), and never changes a row that exists, since people may have edited it. A sample
that cannot be created because of what is in the database now (a hub it needs was deleted, a
row with its key already exists) is skipped and reported, never a crash.

``load_demo --reset`` calls each loader's ``reset()`` first: sample rows nobody else's rows
depend on are deleted (and recreated by ``load()``), reference rows the loader owns (hubs,
chapters, living labs, sample webinars) are put back to their demonstration values in place.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, models, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError

SAMPLE_EMAIL_PREFIX = "sample."
SAMPLE_EMAIL_DOMAIN = "@example.org"

# Filled by the loaders while ``load_demo`` runs; the command prints and empties it.
notes: list[str] = []


def note(line: str) -> None:
    notes.append(line)


@contextmanager
def creating(what: str):
    """Create one sample (and what hangs on it) atomically; skip it, with a note, if it cannot be."""
    try:
        with transaction.atomic():
            yield
    except (
        ObjectDoesNotExist,
        ValidationError,
        PermissionDenied,
        IntegrityError,
        ValueError,
    ) as exc:
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        note(f"Skipped {what}: {detail or exc.__class__.__name__}")


def is_sample_user(user) -> bool:
    email = (getattr(user, "email", "") or "").lower()
    return email.startswith(SAMPLE_EMAIL_PREFIX) and email.endswith(SAMPLE_EMAIL_DOMAIN)


def _members_row(instance) -> bool:
    """Whether a row is a person's own: marked not a sample, or pointing at a real member."""
    if any(f.name == "is_sample" for f in instance._meta.concrete_fields):
        return not instance.is_sample
    user_model = get_user_model()
    if isinstance(instance, user_model):
        return not is_sample_user(instance)
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model is user_model:
            user_id = getattr(instance, field.attname)
            if user_id is not None and not is_sample_user(
                user_model.objects.filter(pk=user_id).only("email").first()
            ):
                return True
    return False


def delete_samples(queryset, what: str) -> int:
    """Delete these sample rows unless deleting one would take a member's own row with it.

    A row that would is kept as it is, with a note. Returns how many rows were deleted.
    """
    deleted = 0
    for obj in queryset:
        collector = Collector(using=DEFAULT_DB_ALIAS)
        try:
            collector.collect([obj])
        except (ProtectedError, RestrictedError):
            note(f"Kept {what} “{obj}”: other rows protect it.")
            continue
        dependents = [i for instances in collector.data.values() for i in instances]
        for qs in collector.fast_deletes:
            dependents.extend(qs)
        if any(_members_row(i) for i in dependents if i != obj):
            note(f"Kept {what} “{obj}”: members' own rows depend on it.")
            continue
        obj.delete()
        deleted += 1
    return deleted

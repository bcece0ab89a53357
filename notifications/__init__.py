"""Notifications: an outbox that loses nothing, e-mail and in-app delivery, preferences, digests.

How other apps use it
---------------------

1. Declare your kinds once, in your ``AppConfig.ready()``::

       from notifications.kinds import Frequency, register_kind

       register_kind(
           "community.reply",                        # "<app_label>.<name>", stable
           label=_("Replies in threads you follow"), # shown on the preferences page
           default=Frequency.IMMEDIATELY,            # or DAILY, WEEKLY, OFF
           template="community/notifications/reply", # optional template prefix
       )

   With ``template``, ``<prefix>_subject.txt``, ``<prefix>.txt`` and ``<prefix>.html``
   make the e-mail (extend ``notifications/email/base.txt`` / ``base.html``) and
   ``<prefix>_item.html`` the one-line entry in the in-app list and digests. They get
   ``notification``, ``payload``, ``kind``, ``recipient`` and ``link`` and are rendered
   in the member's language and time zone, so put sentences in templates and data in
   the payload. Without templates, ``payload["title"]``, ``payload["text"]`` and
   ``payload["url"]`` are shown. Item templates should use the payload only (the list
   page runs a constant number of queries).

   For transactional e-mails (invitations, reminders) pass ``digest=False`` (sent at
   once or not at all) and ``prepare=`` a function that builds, at send time, extra
   context and attachments (``EmailExtras``, ``Attachment``) from the current state of
   the object, or says the e-mail is no longer due. See ``notifications.kinds`` and
   ``webinars/emails.py``.

2. Inside the transaction that makes the change, call a service::

       from notifications.services import notify, notify_many

       with transaction.atomic():
           reply = Reply.objects.create(...)
           notify_many(
               recipients=thread.followers.exclude(pk=author.pk),
               kind="community.reply",
               target=reply,                                   # generic relation
               payload={"title": thread.title, "url": reply.get_absolute_url(),
                        "author": author.display_name},        # JSON only
           )

   The rows are written in your transaction (a rollback leaves none) and delivery is
   queued with ``transaction.on_commit``. The member's preference for the kind decides
   what happens by e-mail: sent at once (Celery, ``mail`` queue), gathered into the
   daily or weekly digest, or nothing; the in-app list always shows it.

Never send e-mail for a notification yourself, and never call the tasks directly:
``services.outbox_sweep`` (every minute) re-queues anything a broker outage or a
killed worker left behind.
"""

def get_username(request, credentials):
    """The login name axes counts failures against: the e-mail address allauth submits."""
    if credentials:
        for key in ("email", "username", "login"):
            if credentials.get(key):
                return str(credentials[key]).strip().lower()
    if request is not None and request.method == "POST":
        return (request.POST.get("login") or "").strip().lower()
    return ""


def unlock_after_password_reset(sender, request, user, **kwargs):
    """A member who proved they hold the mailbox and chose a new password may sign in now.

    The failures axes counted were guesses at the old password, so they are forgotten for
    every address of the account, from every network.
    """
    from allauth.account.models import EmailAddress
    from axes.utils import reset

    emails = {user.email.lower()}
    emails.update(
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    )
    for email in emails:
        reset(username=email)

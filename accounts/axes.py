def get_username(request, credentials):
    """The login name axes counts failures against: the e-mail address allauth submits."""
    if credentials:
        for key in ("email", "username", "login"):
            if credentials.get(key):
                return str(credentials[key]).strip().lower()
    if request is not None and request.method == "POST":
        return (request.POST.get("login") or "").strip().lower()
    return ""

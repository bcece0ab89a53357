from allauth.account import views as allauth_views
from django.db import transaction
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.regenerate_token, name="regenerate-token"),
    # allauth's pages that write an account and its e-mail (now an outbox row) run in one
    # transaction: a sign-up is never left without its verification e-mail. Same paths
    # as allauth's (included after these), so its URL names reach these views.
    path("signup/", transaction.atomic(allauth_views.signup), name="signup"),
    path(
        "password/reset/", transaction.atomic(allauth_views.password_reset), name="password-reset"
    ),
    path("email/", transaction.atomic(allauth_views.email), name="email"),
]

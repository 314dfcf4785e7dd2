from django.contrib.auth import views as auth_views
from django.urls import path

from jingzhun.accounts import views

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/second-factor/", views.second_factor, name="second_factor"),
    path("account/tokens/", views.token_list, name="token_list"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]

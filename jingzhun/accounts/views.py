"""The user's own account pages: change the password, enrol and pass the second factor, list
and revoke API tokens. Thin: forms parse, jingzhun.accounts.actions and .tokens decide."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingzhun.accounts import actions, tokens
from jingzhun.accounts.passwords import password_expired
from jingzhun.core.actions import Actor
from jingzhun.core.http import domain_errors


class PasswordForm(PasswordChangeForm):
    """Django's form (old password, new twice, the validators of settings); the action saves."""

    def save(self, commit: bool = True) -> Any:
        return self.user


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_change_password(
            request.user,
            actor=Actor.from_request(request),
            new_password=form.cleaned_data["new_password1"],
        )
        update_session_auth_hash(request, request.user)  # stay signed in on this browser
        messages.success(request, _("密码已修改；您的接口令牌已全部吊销。"))
        return redirect("home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "expired": password_expired(request.user)},
        status=400 if request.method == "POST" else 200,
    )


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("动态验证码"), max_length=8, min_length=6)


def _qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4)


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator (first time) or enter its current code (every sign-in)."""
    user = request.user
    actor = Actor.from_request(request)
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    form = CodeForm(request.POST or None)
    if confirmed:
        if request.method == "POST" and form.is_valid():
            device = match_token(user, form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                return redirect(request.GET.get("next") or "home")
            form.add_error("code", _("验证码不正确或已过期，请输入身份验证器中当前的6位数字。"))
        return render(request, "accounts/second_factor.html", {"form": form, "enrol": False})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = actions.do_start_second_factor(user, actor=actor)
    if request.method == "POST" and form.is_valid():
        if actions.do_confirm_second_factor(device, actor=actor, code=form.cleaned_data["code"]):
            otp_login(request, device)
            messages.success(request, _("身份验证器已绑定，今后登录时请输入其中的验证码。"))
            return redirect("home")
        form.add_error("code", _("验证码不正确，请确认手机时间准确后重试。"))
    return render(
        request,
        "accounts/second_factor.html",
        {
            "form": form,
            "enrol": True,
            "qr": _qr_svg(device),
            "secret": device.config_url.split("secret=")[1].split("&")[0],
        },
    )


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/tokens.html", {"tokens": tokens.tokens_of(request.user)})


@login_required
@require_POST
@domain_errors
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    tokens.do_revoke_token(token_id, actor=Actor.from_request(request))
    messages.success(request, _("令牌已吊销。"))
    return redirect("token_list")

"""Every change to an account: its password and its second factor, with their audit entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingzhun.accounts import tokens
from jingzhun.audit import recorder
from jingzhun.core.actions import Actor, jsonable

if TYPE_CHECKING:
    from jingzhun.accounts.models import User


@transaction.atomic
def do_change_password(user: User, *, actor: Actor, new_password: str) -> None:
    """Set ``user``'s password (the validators of settings apply) and revoke their API tokens:
    a token issued under the old password must not outlive it."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password", "password_changed_at"])
    recorder.record(
        actor=actor,
        action="change_password",
        obj=user,
        area_code=user.area.code,
        changes={"password_changed_at": [None, jsonable(user.password_changed_at)]},
        label=str(user),
    )
    tokens.do_revoke_all_tokens(user, actor=actor, reason="修改密码")


@transaction.atomic
def do_start_second_factor(user: User, *, actor: Actor) -> TOTPDevice:
    """The user's unconfirmed TOTP device (a new secret, replacing an unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)


@transaction.atomic
def do_confirm_second_factor(device: TOTPDevice, *, actor: Actor, code: str) -> bool:
    """Confirm ``device`` with a code from the authenticator: True if it matched."""
    if not device.verify_token(code.strip()):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user = device.user
    recorder.record(
        actor=actor,
        action="enrol_second_factor",
        obj=user,
        area_code=user.area.code,
        changes={"second_factor": [None, "TOTP"]},
        label=str(user),
    )
    return True

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jingzhun.accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from jingzhun.accounts.signals import note_touch_on_login, revoke_tokens_on_logout

        user_logged_out.connect(revoke_tokens_on_logout, dispatch_uid="revoke_tokens_on_logout")
        user_logged_in.connect(note_touch_on_login, dispatch_uid="note_touch_on_login")

"""The console script's own commands: createuser, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.management import CommandError, call_command

from jingzhun.accounts.models import User


def test_createuser_binds_the_user_to_an_area_and_role(world):
    call_command(
        "createuser",
        "wangfang",
        role="township_reviewer",
        area=world.township.code,
        password="Sturdy-Passphrase-9",
        full_name="王芳",
    )
    user = User.objects.get(username="wangfang")
    assert (user.role, user.area, user.full_name) == ("township_reviewer", world.township, "王芳")
    assert user.check_password("Sturdy-Passphrase-9")


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"role": "village_cadre", "area": "140922"}, "应绑定到村级"),
        ({"role": "county_approver", "area": "149999"}, "不存在"),
        ({"role": "county_approver", "area": "140922", "password": "123"}, "密码不符合要求"),
    ],
)
def test_createuser_refuses_bad_input_and_creates_nothing(world, options, fragment):
    options = {"password": "Sturdy-Passphrase-9", **options}
    with pytest.raises(CommandError, match=fragment):
        call_command("createuser", "lisi", **options)
    assert not User.objects.filter(username="lisi").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_a_real_wsgi_server_with_local_static_files(tmp_path):
    port = free_port()
    env = {**os.environ, "JINGZHUN_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "jingzhun.cli", "migrate", "-v0"], env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "jingzhun.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Generous: on a loaded machine collecting the static files and starting the worker
        # beside the server can take a while; the test is about what answers, not how fast.
        deadline = time.monotonic() + 180
        while True:
            try:
                login = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert login.status == 200
        assert login.headers["Server"] == "jingzhun"  # waitress, not runserver
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/jingzhun.css", timeout=5)
        assert css.status == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"http://127.0.0.1:{port}/" in output

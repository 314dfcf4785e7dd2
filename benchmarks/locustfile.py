"""The simulated users of benchmarks/load_test.py (run by it; targets in JINGZHUN_LOAD_TARGETS).

Most users read — a city viewer or county analyst listing households, searching by name, ID or
household-number fragment, opening household pages and reading the API; some are county
approvers who also save a household through its form (the version lock included). Each signs in
once through the real login page (and takes an API token through the real token endpoint).

The users are locust's ``FastHttpUser`` (geventhttpclient), which its authors document as a
drop-in for ``HttpUser`` using several times less CPU: locust shares the machine's two cores
with the server and PostgreSQL, and the generator's own work is not the server's latency.
"""

from __future__ import annotations

import json
import os
import random
import re
from html.parser import HTMLParser
from typing import Any

from locust import FastHttpUser, between, task

TARGETS: dict[str, Any] = json.loads(
    open(os.environ["JINGZHUN_LOAD_TARGETS"], encoding="utf-8").read()  # noqa: SIM115
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class FormValues(HTMLParser):
    """The values a browser would submit from the page's own POST form (the one without an
    ``action``: it posts back to the page; the sign-out and language forms name theirs)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" and "action" not in a:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


class County(FastHttpUser):
    """A user of the county's data: reads, and saves when signed in as an approver."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.writer = random.random() < float(
            os.environ.get("JINGZHUN_LOAD_WRITERS", "0.2")
        ) and bool(TARGETS["writers"])
        names = TARGETS["writers"] if self.writer else TARGETS["readers"]
        self.username = random.choice(names)
        page = self.client.get("/login/", name="/login/")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/login/",
            {
                "username": self.username,
                "password": TARGETS["password"],
                "csrfmiddlewaretoken": token,
            },
            name="/login/ (POST)",
        )
        response = self.client.post(
            "/api/v1/auth/token/",
            json={"username": self.username, "password": TARGETS["password"]},
            name="/api/v1/auth/token/",
        )
        self.api_token = response.json().get("token", "")

    @task(4)
    def household_list(self) -> None:
        self.client.get("/households/", name="/households/")

    @task(4)
    def search(self) -> None:
        word = random.choice([random.choice(TARGETS["names"]), random.choice(TARGETS["numbers"])])
        self.client.get("/households/", params={"q": word}, name="/households/?q=")

    @task(4)
    def household_page(self) -> None:
        household = random.choice(TARGETS["households"])
        self.client.get(f"/households/{household}/", name="/households/<id>/")

    @task(3)
    def api(self) -> None:
        headers = {"Authorization": f"Token {self.api_token}"}
        household = random.choice(TARGETS["households"])
        self.client.get("/api/v1/households/", headers=headers, name="/api/v1/households/")
        self.client.get(
            f"/api/v1/households/{household}/members/",
            headers=headers,
            name="/api/v1/households/<id>/members/",
        )

    @task(1)
    def save(self) -> None:
        if not self.writer:
            return
        household = random.choice(TARGETS["editable"])
        url = f"/households/{household}/edit/"
        form = self.client.get(url, name="/households/<id>/edit/")
        parser = FormValues()
        parser.feed(form.text)
        values = parser.values
        values["address"] = f"压测地址{random.randint(1, 999)}"
        values["reason"] = "压力测试"
        with self.client.post(
            url,
            values,
            name="/households/<id>/edit/ (POST)",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            # Saved (a redirect to the page) or a clear conflict with another tester's save.
            if response.status_code == 302 or (
                response.status_code == 200 and "已被" in response.text
            ):
                response.success()
            elif response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif response.status_code == 200:
                reasons = re.findall(
                    r'class="error(?:list)?"[^>]*>(?:<li[^>]*>)?([^<]+)', response.text
                )
                response.failure("the form was refused: " + "；".join(reasons)[:300])

"""``jingzhun serve`` supervises its worker: SIGKILL the worker child and a new one takes over,
and work queued afterwards still gets done; SIGTERM stops the server and its worker."""

from __future__ import annotations

import os
import signal
import urllib.request

import pytest

from tests.faults.quality import queue_quality_run, wait_until_done
from tests.faults.scratch import (
    Site,
    children_of,
    free_port,
    process_exists,
    scratch_site,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    with scratch_site(tmp_path_factory.mktemp("serve"), "serve") as site:
        site.command("demo", "--households", "300")
        yield site


def worker_of(site: Site, server: int, not_pid: int = 0) -> int | None:
    """The worker child of ``server`` (other than ``not_pid``) once it holds its lease."""
    for pid in children_of(server) - {not_pid}:
        if site.value("SELECT id FROM core_workerlease WHERE kind = 'worker' AND pid = ?", pid):
            return pid
    return None


def test_serve_replaces_a_killed_worker_and_the_new_one_runs_queued_work(site):
    port = free_port()
    server = site.start("serve", "--port", str(port), log="serve.log")
    first = wait_for("serve's worker", lambda: worker_of(site, server.pid))

    os.kill(first, signal.SIGKILL)
    second = wait_for("a new worker", lambda: worker_of(site, server.pid, not_pid=first))
    assert not process_exists(first)
    assert server.poll() is None, site.log("serve.log")

    run = queue_quality_run(site)
    wait_until_done(site, run, "serve.log")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=60) as page:
        assert page.status == 200

    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=120) == 0, site.log("serve.log")
    assert not process_exists(second)  # the worker stopped with the server

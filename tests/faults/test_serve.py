"""``jingzhun serve`` supervises its children.

- Its worker: SIGKILL the worker child and a new one takes over, and work queued afterwards
  still gets done; SIGTERM stops the server and its worker.
- With ``--processes N``, its N serving processes on one port: SIGKILL one and a new one takes
  its place while the port goes on answering; SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
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


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=60) as page:
            return page.status == 200
    except OSError:
        return False


def serving(server: subprocess.Popen[bytes], count: int, without: set[int]) -> set[int] | None:
    """The server's children once there are ``count`` of them, none of them in ``without``."""
    children = children_of(server.pid)
    return children if len(children) == count and not children & without else None


def test_serve_replaces_killed_processes_and_stops_them_all(site):
    log = "serve-processes.log"  # its own: the worker test writes serve.log
    port = free_port()
    server = site.start("serve", "--port", str(port), "--processes", "2", "--no-worker", log=log)
    first = wait_for("two serving processes", lambda: serving(server, 2, set()))
    wait_for("the port to answer", lambda: answers(port))

    # Kill both, one after the other: the port is then served by replacements alone.
    for pid in sorted(first):
        os.kill(pid, signal.SIGKILL)
        wait_for("a replacement", lambda pid=pid: serving(server, 2, {pid}))
        assert not process_exists(pid)
    now = wait_for("two new processes", lambda: serving(server, 2, first))
    for _ in range(6):
        assert answers(port), site.log(log)
    assert server.poll() is None, site.log(log)
    assert site.log(log).count("restarting") == 2

    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=120) == 0, site.log(log)
    assert not any(process_exists(pid) for pid in now)
    assert not answers(port)


def test_serve_refuses_fewer_than_one_process(site):
    done = subprocess.run(
        site.argv("serve", "--processes", "0"),
        env=site.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode != 0
    assert "--processes" in done.stderr

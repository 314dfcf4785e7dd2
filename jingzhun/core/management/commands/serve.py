"""``jingzhun serve [--port P] [--no-worker]``: the production WSGI server (waitress), static
files included, and the background worker (``jingzhun worker``) as a child process, stopped when
the server stops — so ``make run`` needs nothing else running.

The worker is supervised: if it dies (killed, out of memory, a crash), ``serve`` fails the jobs
it held with a reason (:func:`jingzhun.core.jobs.reap`) and starts a new one, so new uploads
never wait at 0% for a worker that is gone."""

from __future__ import annotations

import atexit
import logging
import signal
import subprocess
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from jingzhun.core import jobs

logger = logging.getLogger(__name__)
SUPERVISE_SECONDS = 2.0


def proxy_options() -> dict[str, Any]:
    """waitress's options for the trusted reverse proxy (settings.JINGZHUN_TRUSTED_PROXY)."""
    trusted = settings.JINGZHUN_TRUSTED_PROXY
    if not trusted:
        return {}
    return {
        "trusted_proxy": trusted,
        "trusted_proxy_count": settings.JINGZHUN_TRUSTED_PROXY_COUNT,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
        "clear_untrusted_proxy_headers": True,
    }


def start_worker() -> subprocess.Popen[bytes]:
    """The worker as a child process of this server (same interpreter, same settings)."""
    return subprocess.Popen(
        [sys.executable, "-m", "jingzhun.cli", "worker"],
    )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()  # the worker finishes its current task step and exits
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


class Supervisor:
    """Keeps one worker child running until :meth:`stop`."""

    def __init__(self) -> None:
        self.worker = start_worker()
        self.stopping = threading.Event()
        self.restarts = 0
        self.thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopping.wait(SUPERVISE_SECONDS):
            code = self.worker.poll()
            if code is None:
                continue
            logger.warning("background worker %s exited (%s): restarting", self.worker.pid, code)
            try:
                jobs.reap()  # its jobs fail with a reason; their users may retry
            except Exception:
                logger.exception("could not reap the jobs of the dead worker")
            finally:
                connection.close()
            if not self.stopping.is_set():
                self.worker = start_worker()
                self.restarts += 1

    def stop(self) -> None:
        self.stopping.set()
        stop_worker(self.worker)


class Command(BaseCommand):
    help = "用生产级WSGI服务器（waitress）启动网页服务，并启动后台任务进程。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="不启动后台任务进程（另行运行 jingzhun worker）",
        )

    def handle(
        self, *args: object, host: str, port: int, threads: int, no_worker: bool, **options: Any
    ) -> None:
        from waitress import serve

        from jingzhun.wsgi import application

        call_command("collectstatic", interactive=False, verbosity=0)
        supervisor = None if no_worker else Supervisor()
        if supervisor is not None:
            atexit.register(supervisor.stop)
            # waitress exits on SIGTERM via SystemExit; make sure the child goes with it.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            self.stdout.write(f"后台任务进程已启动（pid {supervisor.worker.pid}），退出后自动重启")
        self.stdout.write(
            f"jingzhun 已启动：http://{host}:{port}/  （数据目录 {settings.VAR_DIR}）"
        )
        try:
            serve(
                application,
                host=host,
                port=port,
                threads=threads,
                ident="jingzhun",
                **proxy_options(),
            )
        finally:
            if supervisor is not None:
                supervisor.stop()

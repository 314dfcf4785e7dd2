"""``jingzhun serve [--port P] [--processes N] [--no-worker]``: the production WSGI server
(waitress), static files included, and the background worker (``jingzhun worker``) as a child
process, stopped when the server stops — so ``make run`` needs nothing else running.

The worker is supervised: if it dies (killed, out of memory, a crash), ``serve`` fails the jobs
it held with a reason (:func:`jingzhun.core.jobs.reap`) and starts a new one, so new uploads
never wait at 0% for a worker that is gone.

One Python process runs one request's Python at a time (the interpreter lock), however many
threads it has; ``--processes N`` (Unix) opens the port once and forks N waitress processes that
take connections from it, so a server with N cores serves pages on all of them. A serving
process that dies is replaced like the worker."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections

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


class Forks:
    """``count`` forked children, each running ``serve_once()``, replaced when one dies, until
    :meth:`stop`. The parent waits for its own children by pid only (never ``os.wait()``), so
    the worker's :class:`subprocess.Popen` keeps its exit status."""

    def __init__(self, serve_once: Callable[[], None], count: int) -> None:
        self.serve_once = serve_once
        self.stopping = False
        connections.close_all()  # no database connection crosses a fork
        self.pids = {self._fork() for _ in range(count)}

    def _fork(self) -> int:
        pid = os.fork()
        if pid:
            return pid
        code = 0
        try:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
            self.serve_once()
        except SystemExit:
            pass
        except BaseException:
            logger.exception("serving process %s failed", os.getpid())
            code = 1
        finally:
            os._exit(code)

    def watch(self, interval: float = 0.5) -> None:
        """Replace dead children until :meth:`stop`, then return once all have exited."""
        while self.pids:
            for pid in list(self.pids):
                done, status = os.waitpid(pid, os.WNOHANG)
                if not done:
                    continue
                self.pids.discard(pid)
                if not self.stopping:
                    logger.warning(
                        "serving process %s exited (%s): restarting",
                        pid,
                        os.waitstatus_to_exitcode(status),
                    )
                    self.pids.add(self._fork())
                    if self.stopping:  # the signal came while it was forked
                        self.stop()
            time.sleep(interval)

    def stop(self, *_: object) -> None:
        self.stopping = True
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def run_waitress(application: Any, threads: int, **where: Any) -> None:
    """Serve ``application`` with waitress until stopped; ``where`` is ``host`` and ``port``, or
    ``sockets`` (a port opened by the caller)."""
    from waitress import serve

    serve(application, threads=threads, ident="jingzhun", **where, **proxy_options())


def listening_socket(host: str, port: int) -> socket.socket:
    """The port, opened once for every serving process."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024)


class Command(BaseCommand):
    help = "用生产级WSGI服务器（waitress）启动网页服务，并启动后台任务进程。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="服务进程数（Unix；建议等于CPU核数，每个进程各有 --threads 个线程）",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="不启动后台任务进程（另行运行 jingzhun worker）",
        )

    def handle(
        self,
        *args: object,
        host: str,
        port: int,
        threads: int,
        processes: int,
        no_worker: bool,
        **options: Any,
    ) -> None:
        from jingzhun.wsgi import application

        if processes < 1:
            raise CommandError("--processes 至少为 1")
        if processes > 1 and not hasattr(os, "fork"):
            raise CommandError("--processes 大于 1 需要 Unix（本系统不支持 fork）；请用 1")
        call_command("collectstatic", interactive=False, verbosity=0)
        listener = forks = None
        if processes > 1:
            listener = listening_socket(host, port)
            forks = Forks(lambda: run_waitress(application, threads, sockets=[listener]), processes)
        # The worker's supervisor thread starts only after the first forks, so they copy no lock
        # held by another thread. A replacement is forked while that thread runs; it holds no
        # lock a serving process uses (logging re-creates its locks in a forked child).
        supervisor = None if no_worker else Supervisor()
        if forks is not None:
            signal.signal(signal.SIGTERM, forks.stop)
            signal.signal(signal.SIGINT, forks.stop)
        elif supervisor is not None:
            atexit.register(supervisor.stop)
            # waitress exits on SIGTERM via SystemExit; make sure the child goes with it.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        if supervisor is not None:
            self.stdout.write(f"后台任务进程已启动（pid {supervisor.worker.pid}），退出后自动重启")
        served = f"{processes} 个服务进程，" if forks is not None else ""
        self.stdout.write(
            f"jingzhun 已启动：http://{host}:{port}/  （{served}数据目录 {settings.VAR_DIR}）"
        )
        try:
            if forks is None:
                run_waitress(application, threads, host=host, port=port)
            else:
                forks.watch()
        finally:
            if forks is not None:
                forks.stop()
            if listener is not None:
                listener.close()  # kept open until now: a replaced process takes it over
            if supervisor is not None:
                supervisor.stop()

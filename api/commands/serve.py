"""``tellers serve [--host] [--port] [--instance DIR] [--workers N]``: the HTTP service.

On a fresh instance it creates what the service needs (the folder, owner
only; the database and its schema; the token keys) and the admin, and
prints where it put them and the admin's first invite. It refuses to start
on a database whose schema is behind (``tellers db upgrade`` first). As it
starts it signs any body's head left unsigned by a write cut off between its
commit and its signature (:meth:`api.ledger.Ledger.sign_head`), and settles the casts a
crash cut off before they were answered (:func:`api.http.ballots.settle_casts`).

The server is waitress (threads). With ``--workers N`` (N >= 2, on systems
with ``fork``) the parent binds the listening sockets and forks N
processes, each running waitress with its own threads: on Linux each worker has
its own socket on the port (``SO_REUSEPORT``), so the kernel spreads connections
evenly over them (:func:`listen_each`); elsewhere they share one socket and the
kernel hands each connection to one of them. Each builds its own app
after the fork, so no database connection is shared between processes. Every
worker keeps each body's state in memory and catches up from what the others
stored (:mod:`api.ledger`). SIGTERM or SIGINT to the parent stops them all
(SIGTERM first ends each open log stream with ``event: shutdown``);
if one worker dies, the parent stops the others and exits with an error.
``--port 0`` takes a free port; the line ``serving http://HOST:PORT/`` says which.

``--demo`` also loads the organising-group meeting (the one ``tellers demo``
holds) as the body ``organising-group``, the first time only, and prints its id
and its secretary's invite.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask

from api.auth import rfc3339
from api.commands.instance_option import default_instance, instance_option
from api.db import upgrade
from api.http.ballots import settle_casts
from api.instance import Instance

__all__ = ["DEMO_BODY", "listen", "listen_each", "load_demo", "opened", "prepare", "run_app",
           "serve", "supervise"]

INVITE_SECONDS = 14 * 24 * 3600

THREADS = 16
"""waitress threads in a worker by default. Casts that arrive together at a worker are written
as one group (one claim, one ledger transaction and one signature, one finish:
:mod:`api.http.ballots`), and a group holds at most one cast a thread, so threads are what a
burst of votes is written with: 1,500 members voting at once were all receipted in 2.9 s with
16 threads a worker and 6.3 s with 8 (BENCHMARKS.md)."""


DEMO_BODY = "organising-group"
"""The id ``tellers serve --demo`` gives the organising-group meeting (``api.demo_meeting``)."""


def load_demo(instance: Instance, *, moment: datetime) -> str | None:
    """Load the organising-group meeting as the body :data:`DEMO_BODY`, once: the invite of
    its secretary (m02) when it was loaded now, ``None`` when it was there already (so a
    restart with ``--demo`` changes nothing)."""
    if instance.body(DEMO_BODY) is not None:
        return None
    from api.demo_meeting import commands

    _, invite = instance.create_body(
        DEMO_BODY, name="Left Organising Group", origin=None, standing_orders="citrine",
        secretary="m02", secretary_name="Ben Carter", now=moment,
        invite_seconds=INVITE_SECONDS, history=list(commands()))
    return invite


def prepare(where: Path, *, base: str, echo: bool = True, demo: bool = False) -> str | None:
    """Create what a fresh instance needs; the admin's first invite when one was made now.
    With ``demo``, also the organising-group meeting as a body (:func:`load_demo`)."""
    instance, invite = opened(where, base=base, echo=echo, demo=demo)
    instance.close()
    return invite


def opened(where: Path, *, base: str, echo: bool = True, demo: bool = False
           ) -> tuple[Instance, str | None]:
    """:func:`prepare`, keeping the instance open: every body's ledger is open (each was
    replayed to sign its head), for workers forked from this process to start from."""
    created = not where.exists()
    instance = Instance(where, database_url=os.environ.get("TELLERS_DATABASE_URL"))
    try:
        status = instance.schema()
        if status == "behind":
            raise click.ClickException(
                f"the database of {where} is at an older schema than this version of tellers: "
                f"run `tellers db upgrade --instance {where}` first")
        if status == "empty":
            upgrade(instance.engine)
        signed = [body.id for body in instance.bodies()
                  if instance.ledger(body.id).sign_head() is not None]
        settled = settle_casts(instance)
        moment = datetime.now(UTC)
        demo_invite = load_demo(instance, moment=moment) if demo else None
        admin, new = instance.admin_principal(now=moment)
        invite = instance.invite(admin, now=moment, lifetime=INVITE_SECONDS) if new else None
        if echo:
            click.echo(f"instance  {where}{'  (created)' if created else ''}")
            click.echo(f"database  {instance.engine.url.render_as_string(hide_password=True)}"
                       f"{'  (schema created)' if status == 'empty' else ''}")
            click.echo(f"keys      {instance.keys.folder} (token keys); "
                       f"{where / 'bodies'}/<body>/log.key (each body's log key)")
            click.echo(f"api       {base}/api/v1/  (OpenAPI {base}/api/v1/openapi.json, "
                       f"docs {base}/api/v1/docs)")
            if signed:
                click.echo(f"signed    the unsigned head of {', '.join(signed)} (a write "
                           "was cut off before its signature)")
            if demo:
                loaded = "loaded now" if demo_invite is not None else "already loaded"
                click.echo(f"demo body {DEMO_BODY}  ({loaded}: the organising-group meeting; "
                           f"{base}/api/v1/bodies/{DEMO_BODY})")
                if demo_invite is not None:
                    click.echo(f"demo secretary (m02) invite: {demo_invite}")
            if any(settled):
                click.echo(f"settled   {settled[0]} cast(s) logged and {settled[1]} never "
                           "logged, cut off before they were answered")
            if invite is not None:
                until = rfc3339(moment + timedelta(seconds=INVITE_SECONDS))
                click.echo(f"admin invite (single use, until {until}): {invite}")
                click.echo("  exchange it for an access token:")
                click.echo(f"  curl -s -X POST {base}/api/v1/auth/token "
                           f"-H 'Content-Type: application/json' "
                           f"-d '{{\"invite\": \"{invite}\"}}'")
    except BaseException:
        instance.close()
        raise
    return instance, invite


def listen(host: str, port: int) -> socket.socket:
    """The listening socket every worker serves (IPv6 when ``host`` is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024)


BALANCED = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")
"""Whether the kernel spreads connections over sockets sharing a port (Linux ``SO_REUSEPORT``)."""


def listen_each(host: str, port: int, count: int) -> list[socket.socket]:
    """One listening socket for each of ``count`` workers, all on one port: on Linux each
    bound with ``SO_REUSEPORT``, so the kernel spreads new connections evenly over the
    workers (socket(7)); on one socket they all accept from, a keep-alive connection goes to
    whichever worker wakes first, and one worker may hold most of them while another idles.
    Elsewhere (or for one worker) the one shared socket of :func:`listen`."""
    if count < 2 or not BALANCED:
        return [listen(host, port)]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sockets.append(socket.create_server((host, port), family=family, backlog=1024,
                                                reuse_port=True))
            port = int(sockets[0].getsockname()[1])  # port 0: the one the first was given
    except BaseException:
        for made in sockets:
            made.close()
        raise
    return sockets


def run_app(make_app: Callable[[], Flask], listener: socket.socket, threads: int) -> None:
    """One worker: its own app (built here, after any fork: its own database connections),
    waitress with ``threads`` threads on the shared socket."""
    import waitress

    from api import epoll_loop

    # "Task queue depth is N" is waitress saying its threads are busy: the load, not news.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app = make_app()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_gracefully)
    # The app refuses a body over MAX_CONTENT_LENGTH with a problem document (413);
    # waitress, which would answer in plain text, only stops one over twice that.
    adjustments = dict(sockets=[listener], threads=threads, ident="tellers",
                       max_request_body_size=2 * app.config["MAX_CONTENT_LENGTH"],
                       backlog=1024, connection_limit=1000)
    if epoll_loop.AVAILABLE:
        epoll_loop.serve(app, **adjustments)
    else:  # poll(2), not select(2): a descriptor past 1,023 is fine (api.epoll_loop)
        waitress.serve(app, asyncore_use_poll=True, _quiet=True, **adjustments)


STREAM_GRACE_SECONDS = 2.0


def _stop_gracefully(_signum: int, _frame: object) -> None:
    """SIGTERM: end the open log streams with ``event: shutdown`` (:mod:`api.http.stream`),
    give them a moment to reach their readers, then stop waitress (as Ctrl-C would)."""
    from api.http.stream import stop_streams

    def later() -> None:
        stop_streams(STREAM_GRACE_SECONDS)
        time.sleep(0.2)  # the last bytes leave through waitress's own loop
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=later, name="tellers-stop", daemon=True).start()


def supervise(make_app: Callable[[], Flask], listener: socket.socket | Sequence[socket.socket],
              threads: int, workers: int) -> None:
    """Fork ``workers`` processes serving ``listener`` (one socket all share, or one socket
    each, :func:`listen_each`); wait; stop them all together."""
    listeners = [listener] if isinstance(listener, socket.socket) else list(listener)
    if len(listeners) not in (1, workers):
        raise ValueError(f"{len(listeners)} listening sockets for {workers} workers")
    children: list[int] = []
    for number in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                own = listeners[number % len(listeners)]
                for other in listeners:
                    if other is not own:
                        other.close()
                run_app(make_app, own, threads)
            except KeyboardInterrupt:
                pass
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children.append(pid)
    for made in listeners:
        made.close()  # the workers hold them

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    failed = False
    try:
        pid, status = os.wait()  # the first worker to stop, for whatever reason
        children.remove(pid)
        failed = True
        click.echo(f"worker {pid} stopped (status {status}): stopping the others", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    if failed:
        raise SystemExit(1)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="The port (0: any free one).")
@click.option("--threads", default=THREADS, show_default=True, type=click.IntRange(1, 256),
              help="waitress threads in each worker process (a worker writes the casts that "
                   "arrive together as one group, at most one a thread).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes sharing the listening socket (2 or more need fork).")
@click.option("--demo", is_flag=True, help=f"Also load the organising-group meeting as the "
              f"body {DEMO_BODY!r} to explore (once; a restart leaves it as it is).")
@instance_option
def serve(host: str, port: int, threads: int, workers: int, demo: bool,
          instance_dir: Path | None) -> None:
    """Serve the HTTP API for this instance's bodies."""
    if workers > 1 and not hasattr(os, "fork"):
        raise click.ClickException("--workers 2 or more needs fork (Linux, macOS, BSD); "
                                   "run one worker, with --threads, here")
    where = (instance_dir or default_instance()).resolve()
    listeners = listen_each(host, port, workers)
    listener = listeners[0]
    port = int(listener.getsockname()[1])
    base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    try:
        instance, _ = opened(where, base=base, demo=demo)
    except BaseException:
        for made in listeners:
            made.close()
        raise
    # Every body is open here (each replayed once, to sign its head): the workers start
    # from these ledgers, forked, instead of each replaying every body again. No database
    # connection crosses the fork; what the parent held is never touched by the GC again.
    instance.release_connections()
    gc.collect()
    gc.freeze()

    def make() -> Flask:
        from api.app import create_app

        return create_app({"INSTANCE_PATH": str(where)}, instance=instance)

    plural = "s" if workers > 1 else ""
    click.echo(f"serving   {base}/  ({workers} worker{plural} x {threads} threads; "
               "Ctrl-C stops)")
    sys.stdout.flush()
    if workers == 1:
        try:
            run_app(make, listener, threads)
        except KeyboardInterrupt:
            pass  # Ctrl-C, or SIGTERM once the streams have ended
        finally:
            listener.close()
        return
    supervise(make, listeners, threads, workers)

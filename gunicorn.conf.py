"""gunicorn settings for ``gunicorn -c gunicorn.conf.py 'service:create_app()'``.

Each can be changed with an environment variable: BIND, WEB_CONCURRENCY, GUNICORN_THREADS,
GUNICORN_TIMEOUT.
"""

import os

from service.logs import GUNICORN_LOGCONFIG

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let a worker take the next request while one waits for PostgreSQL to make its
# commit durable: commits that wait together share one WAL flush (group commit).  Measured
# (docs/benchmarks.md): one thread per worker waited on the disk for most of each request.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Requests are logged as JSON by the app itself; gunicorn's own messages are JSON too.
accesslog = None
logconfig_dict = GUNICORN_LOGCONFIG
logger_class = "service.logs.NoAccessLogger"  # no second line per request from gunicorn
# Cap the request line and headers; the body is capped by the app (MAX_REQUEST_BYTES).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190


# Prometheus counters from all workers are summed through files in this folder.
_created: list[str] = []


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn hook
    import shutil
    import tempfile

    # Without Redis each worker counts rate limits alone: tell the app how many share them.
    os.environ["WORKER_COUNT"] = str(server.cfg.workers)

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="moderation-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        _created.append(folder)  # ours to remove on exit
    else:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn hook
    # The app (its model and policies: hundreds of thousands of objects that live as long as
    # the worker) is loaded now. Freezing them out of the garbage collector's view keeps a
    # full collection from rescanning them all: measured, that pause was 80-130 ms, the
    # p99 of the moderators' queue page (bench/bench_queue.py); frozen, 1-12 ms.
    import gc

    gc.freeze()
    if worker.age == 1:  # the first worker to start, once per server: the app is loaded
        _say_ready(worker)


def _say_ready(worker):  # noqa: ANN001, ANN202
    """The one line a start prints (gunicorn's own INFO lines are off): where the service
    listens, and whether it is ready (a policy and a model loaded; /readyz says more)."""
    import sys

    app = worker.wsgi
    runtime = getattr(app, "extensions", {}).get("moderation.runtime")
    ready = (runtime is not None and runtime.model is not None
             and runtime.policy_for(runtime.default_site) is not None)
    where = ", ".join(b if b.startswith(("unix:", "fd:")) else f"http://{b}"
                      for b in worker.cfg.bind)
    state = "ready" if ready else "NOT ready: see /readyz"
    print(f"moderation: listening on {where} with {worker.cfg.workers} workers, {state}",
          file=sys.stderr, flush=True)


def child_exit(server, worker):  # noqa: ANN001, ANN201 - gunicorn hook
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ANN001, ANN201 - gunicorn hook
    import shutil

    for folder in _created:
        shutil.rmtree(folder, ignore_errors=True)

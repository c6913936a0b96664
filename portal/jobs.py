"""Running background jobs: RQ workers over Redis when ``PORTAL_REDIS_URL`` is set,
otherwise a thread of the web process (the embedded default).

The job's row is the truth. A runner claims it with a compare-and-swap, beats a
heartbeat as it progresses, and commits the handler's database writes together with
the final status, so a runner killed midway leaves nothing half-written: the next run
starts over and nothing is done twice. (A progress report commits what the handler has
written so far, so handlers write after their last report.)

- A handler that raises is retried by RQ's own ``Retry`` (in thread mode, by the
  thread), at most ``MAX_ATTEMPTS`` runs in all; RQ's ``job_timeout`` stops one that hangs.
- A job whose runner died (its heartbeat older than ``PORTAL_JOB_STALE_SECONDS``) is
  dispatched again by :func:`revive_stale`: the worker calls it when it starts and at
  every maintenance round, and ``flask --app wsgi jobs-revive`` calls it for the thread
  mode (``make run`` does on start). RQ's own abandoned-job handling may also retry the
  dead RQ job; the claim lets only one of them run it. A page that shows a job never
  revives it.
"""

from __future__ import annotations

import enum
import secrets
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, or_, select, update

from portal.extensions import db
from portal.models import Job
from portal.models.types import utcnow

STALE = timedelta(seconds=60)  # the default of PORTAL_JOB_STALE_SECONDS
MAX_ATTEMPTS = 3
RETRY_INTERVALS = (10, 60)  # seconds before the second and the third attempt
JOB_TIMEOUT = 3600  # seconds; RQ stops a run that takes longer
QUEUE = "portal"  # the default of PORTAL_JOB_QUEUE
GAVE_UP = "Pekerjaan berhenti berulang kali."
HANDLERS: dict[str, Callable] = {}
# Work the RQ worker does at each maintenance round besides reviving jobs (the mail
# delivery round registers itself here).
ROUNDS: list[Callable[[], object]] = []


class LostClaim(Exception):
    """Another runner took the job over (ours was presumed dead)."""


class RunFailed(Exception):
    """The handler failed and the job has attempts left: raised in the RQ worker, so
    that RQ's ``Retry`` runs it again."""


class Outcome(enum.Enum):
    DONE = "done"
    RETRY = "retry"  # failed, with attempts left
    NOTHING = "nothing"  # not claimable (done, failed, or another runner has it)


def handler(kind: str):
    def register(function: Callable) -> Callable:
        HANDLERS[kind] = function
        return function

    return register


def results_folder() -> Path:
    folder = Path(current_app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stale_after() -> timedelta:
    seconds = current_app.config.get("PORTAL_JOB_STALE_SECONDS")
    return timedelta(seconds=seconds) if seconds else STALE


def enqueue(kind: str, params: dict, user) -> Job:
    job = Job(kind=kind, params=params, created_by_id=user.id, instansi_id=user.instansi_id)
    db.session.add(job)
    db.session.commit()
    dispatch(job.id)
    return job


def _queue():
    # Imported here: RQ and Redis are needed only when PORTAL_REDIS_URL is set.
    from redis import Redis
    from rq import Queue

    url = current_app.config["PORTAL_REDIS_URL"]
    name = current_app.config.get("PORTAL_JOB_QUEUE") or QUEUE
    return Queue(name, connection=Redis.from_url(url))


def dispatch(job_id: int) -> None:
    if current_app.config.get("PORTAL_REDIS_URL"):
        from rq import Retry  # with _queue(): only with Redis

        _queue().enqueue(
            "portal.jobs.run_in_worker",
            job_id,
            job_timeout=JOB_TIMEOUT,
            retry=Retry(max=MAX_ATTEMPTS - 1, interval=list(RETRY_INTERVALS)),
        )
        return
    app = current_app._get_current_object()
    threading.Thread(target=_run_with_app, args=(app, job_id), daemon=True).start()


def _run_with_app(app: Flask, job_id: int) -> None:
    """The thread mode: run, and retry a failed run after the same pauses as RQ."""
    with app.app_context():
        for pause in (*RETRY_INTERVALS, None):
            if run(job_id) is not Outcome.RETRY or pause is None:
                return
            time.sleep(pause)


def run_in_worker(job_id: int) -> None:
    """Entry point of RQ workers (``flask --app wsgi worker``): an app context is pushed
    by the worker command."""
    if run(job_id) is Outcome.RETRY:
        raise RunFailed(job_id)


def _claim(job_id: int) -> str | None:
    token = secrets.token_hex(8)
    now = utcnow()
    result = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.attempts < MAX_ATTEMPTS,
            or_(
                Job.status == "queued",
                (Job.status == "running") & (Job.heartbeat_at < now - stale_after()),
            ),
        )
        .values(
            status="running", claim=token, attempts=Job.attempts + 1, heartbeat_at=now, error=""
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if result.rowcount == 1 else None


def _beat(job_id: int, token: str, **values) -> None:
    """Record progress (or the end) while the claim is still ours, committing the
    handler's writes with it; if the claim was taken over, commit nothing."""
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.claim == token)
        .values(heartbeat_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise LostClaim(job_id)
    db.session.commit()


def run(job_id: int) -> Outcome:
    """Claim the job and run its handler; a second runner of the same job does nothing."""
    token = _claim(job_id)
    if token is None:
        return Outcome.NOTHING
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    try:

        def progress(done: int, total: int) -> None:
            _beat(job_id, token, progress=done, total=total)

        name = HANDLERS[job.kind](job, progress)
        _beat(job_id, token, status="done", result_name=name, finished_at=utcnow())
        return Outcome.DONE
    except LostClaim:
        db.session.rollback()
        return Outcome.NOTHING
    except Exception as exc:  # the job fails visibly, the worker survives
        db.session.rollback()
        current_app.logger.exception("job %s failed", job_id)
        failed = job.attempts >= MAX_ATTEMPTS
        try:
            _beat(
                job_id,
                token,
                status="failed" if failed else "queued",
                error=str(exc)[:500],
                finished_at=utcnow() if failed else None,
            )
        except LostClaim:
            return Outcome.NOTHING
        return Outcome.NOTHING if failed else Outcome.RETRY


def revive_stale() -> list[int]:
    """Dispatch again every job whose runner vanished (queued or running, no heartbeat
    for :func:`stale_after`); a job out of attempts is marked failed. Returns the ids
    dispatched. Safe to run anywhere at any time: the claim lets one runner run a job."""
    limit = utcnow() - stale_after()
    stale = select(Job.id, Job.attempts).where(
        Job.status.in_(("queued", "running")),
        func.coalesce(Job.heartbeat_at, Job.created_at) < limit,
    )
    revived = []
    for job_id, attempts in db.session.execute(stale).all():
        if attempts >= MAX_ATTEMPTS:
            db.session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_(("queued", "running")))
                .values(status="failed", error=GAVE_UP, finished_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        else:
            dispatch(job_id)
            revived.append(job_id)
    db.session.commit()
    return revived


def work(*, burst: bool = False) -> None:
    """Run an RQ worker on the portal's queue, in the current app context: stale jobs
    are revived when it starts and at every maintenance round (every stale period)."""
    from rq import Worker  # only with Redis

    stale_seconds = max(int(stale_after().total_seconds()), 1)

    class PortalWorker(Worker):
        def run_maintenance_tasks(self) -> None:
            super().run_maintenance_tasks()
            revive_stale()
            for round_ in ROUNDS:
                try:
                    round_()
                except Exception:  # one failing round must not stop the worker
                    db.session.rollback()
                    current_app.logger.exception("maintenance round %s failed", round_)
            db.session.remove()  # no connection of this process goes into a fork

        def main_work_horse(self, job, queue) -> None:
            # The forked work horse opens its own database connections.
            db.engine.dispose(close=False)
            super().main_work_horse(job, queue)

    queue = _queue()
    worker = PortalWorker(
        [queue],
        connection=queue.connection,
        maintenance_interval=stale_seconds,
        # The worker waits for a job at most this long, then does its maintenance.
        worker_ttl=stale_seconds + 15,
    )
    worker.work(burst=burst, with_scheduler=not burst)

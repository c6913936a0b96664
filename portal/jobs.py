"""Running background jobs: RQ workers over Redis when ``PORTAL_REDIS_URL`` is set,
otherwise a thread of the web process (the embedded default).

A job is claimed with a compare-and-swap on its row, beats a heartbeat as it
progresses, and writes its result under the instance folder. A poll that finds a
job queued or running with a stale heartbeat dispatches it again (up to
``MAX_ATTEMPTS``); the claim makes sure only one runner works on it at a time.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import or_, update

from portal.extensions import db
from portal.models import Job
from portal.models.types import utcnow

STALE = timedelta(seconds=60)
MAX_ATTEMPTS = 3
HANDLERS: dict[str, Callable] = {}


class LostClaim(Exception):
    """Another runner took the job over (ours was presumed dead)."""


def handler(kind: str):
    def register(function: Callable) -> Callable:
        HANDLERS[kind] = function
        return function

    return register


def results_folder() -> Path:
    folder = Path(current_app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def enqueue(kind: str, params: dict, user) -> Job:
    job = Job(kind=kind, params=params, created_by_id=user.id, instansi_id=user.instansi_id)
    db.session.add(job)
    db.session.commit()
    dispatch(job.id)
    return job


def dispatch(job_id: int) -> None:
    url = current_app.config.get("PORTAL_REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        Queue("portal", connection=Redis.from_url(url)).enqueue(
            "portal.jobs.run_in_worker", job_id, job_timeout=3600
        )
        return
    app = current_app._get_current_object()
    threading.Thread(target=_run_with_app, args=(app, job_id), daemon=True).start()


def _run_with_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        run(job_id)


def run_in_worker(job_id: int) -> None:
    """Entry point of RQ workers (``flask --app wsgi worker``): an app context is pushed
    by the worker command."""
    run(job_id)


def _claim(job_id: int) -> str | None:
    token = secrets.token_hex(8)
    now = utcnow()
    result = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.attempts < MAX_ATTEMPTS,
            or_(
                Job.status == "queued", (Job.status == "running") & (Job.heartbeat_at < now - STALE)
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
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.claim == token)
        .values(heartbeat_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        raise LostClaim(job_id)


def run(job_id: int) -> None:
    """Claim the job and run its handler; a second runner of the same job does nothing."""
    token = _claim(job_id)
    if token is None:
        return
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    try:

        def progress(done: int, total: int) -> None:
            _beat(job_id, token, progress=done, total=total)

        name = HANDLERS[job.kind](job, progress)
        _beat(job_id, token, status="done", result_name=name, finished_at=utcnow())
    except LostClaim:
        db.session.rollback()
    except Exception as exc:  # the job fails visibly, the worker survives
        db.session.rollback()
        current_app.logger.exception("job %s failed", job_id)
        failed = job.attempts >= MAX_ATTEMPTS
        _beat(
            job_id,
            token,
            status="failed" if failed else "queued",
            error=str(exc)[:500],
            finished_at=utcnow() if failed else None,
        )


def revive_if_stale(job: Job) -> bool:
    """Called by the progress poll: re-dispatch a job whose runner vanished."""
    heartbeat = job.heartbeat_at or job.created_at
    if job.status in ("queued", "running") and heartbeat < utcnow() - STALE:
        if job.attempts >= MAX_ATTEMPTS:
            job.status, job.error = "failed", "Pekerjaan berhenti berulang kali."
            db.session.commit()
            return False
        dispatch(job.id)
        return True
    return False

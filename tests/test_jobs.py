"""Background jobs: claimed once, retried when their runner dies, run by threads or RQ."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.models import Job
from portal.models.types import utcnow

pytestmark = pytest.mark.commits  # jobs run in threads, on connections of their own

ran: list[int] = []


@jobs.handler("test_echo")
def echo(job: Job, progress) -> str:
    ran.append(job.id)
    total = job.params.get("steps", 2)
    for step in range(1, total + 1):
        time.sleep(job.params.get("pause", 0))
        progress(step, total)
    name = f"echo-{job.id}.txt"
    (jobs.results_folder() / name).write_text("ok")
    return name


@pytest.fixture(autouse=True)
def _clear_runs():
    ran.clear()


def _wait_for(job_id: int, status: str, seconds: float = 20) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        if job.status == status:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} is {job.status}, not {status}")


def test_a_job_runs_in_a_thread_and_reports_progress(app, factory):
    _, boss, _ = factory.team(1)
    job = jobs.enqueue("test_echo", {"steps": 3}, boss)
    done = _wait_for(job.id, "done")
    assert (done.progress, done.total, done.percent) == (3, 3, 100)
    assert (jobs.results_folder() / done.result_name).read_text() == "ok"
    assert ran == [job.id]


def test_two_runners_of_one_job_run_it_once(app, factory):
    _, boss, _ = factory.team(1)
    job = Job(
        kind="test_echo",
        params={"steps": 2, "pause": 0.2},
        created_by_id=boss.id,
        instansi_id=boss.instansi_id,
    )
    db.session.add(job)
    db.session.commit()
    threads = [threading.Thread(target=jobs._run_with_app, args=(app, job.id)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert ran == [job.id]
    assert _wait_for(job.id, "done").attempts == 1


def test_a_job_whose_runner_died_is_run_again(app, factory):
    _, boss, _ = factory.team(1)
    job = Job(
        kind="test_echo",
        params={"steps": 1},
        created_by_id=boss.id,
        instansi_id=boss.instansi_id,
        status="running",
        attempts=1,
        claim="dead",
        heartbeat_at=utcnow() - jobs.STALE - timedelta(seconds=5),
    )
    db.session.add(job)
    db.session.commit()
    assert jobs.revive_if_stale(job) is True
    done = _wait_for(job.id, "done")
    assert done.attempts == 2 and ran == [job.id]


def test_a_fresh_running_job_is_left_alone(app, factory):
    _, boss, _ = factory.team(1)
    job = Job(
        kind="test_echo",
        params={},
        created_by_id=boss.id,
        instansi_id=boss.instansi_id,
        status="running",
        attempts=1,
        claim="alive",
        heartbeat_at=utcnow(),
    )
    db.session.add(job)
    db.session.commit()
    assert jobs.revive_if_stale(job) is False
    jobs.run(job.id)  # a second runner cannot claim it
    assert ran == []


def test_a_job_that_keeps_failing_stops_after_the_last_attempt(app, factory, monkeypatch):
    _, boss, _ = factory.team(1)

    def broken(job, progress):
        raise RuntimeError("kertas habis")

    monkeypatch.setitem(jobs.HANDLERS, "test_broken", broken)
    job = Job(
        kind="test_broken",
        params={},
        created_by_id=boss.id,
        instansi_id=boss.instansi_id,
        attempts=jobs.MAX_ATTEMPTS - 1,
    )
    db.session.add(job)
    db.session.commit()
    jobs.run(job.id)
    failed = _wait_for(job.id, "failed")
    assert "kertas habis" in failed.error


def test_jobs_run_on_rq_workers_when_redis_is_configured(app, factory):
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    connection = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    connection.flushdb()
    app.config["PORTAL_REDIS_URL"] = "redis://127.0.0.1:6379/15"
    _, boss, _ = factory.team(1)
    job = jobs.enqueue("test_echo", {"steps": 2}, boss)
    assert ran == []  # queued in Redis, not run by the web process
    queue = Queue("portal", connection=connection)
    assert queue.count == 1
    SimpleWorker([queue], connection=connection).work(burst=True)
    done = _wait_for(job.id, "done")
    assert ran == [job.id] and done.progress == 2
    connection.flushdb()


def test_the_progress_page_polls_until_done(app, factory, login_as):
    _, boss, _ = factory.team(1)
    job = Job(
        kind="test_echo",
        params={},
        created_by_id=boss.id,
        instansi_id=boss.instansi_id,
        status="running",
        attempts=1,
        claim="alive",
        heartbeat_at=utcnow(),
        total=4,
        progress=1,
    )
    db.session.add(job)
    db.session.commit()
    client = login_as(boss)
    running = client.get(f"/pekerjaan/{job.id}", htmx=True).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in running and "<html" not in running
    job = db.session.get(Job, job.id)
    job.status, job.result_name, job.progress = "done", "x.pdf", 4
    db.session.commit()
    finished = client.get(f"/pekerjaan/{job.id}", htmx=True).get_data(as_text=True)
    assert "every 1s" not in finished and f"/pekerjaan/{job.id}/unduh" in finished


def test_only_the_creator_sees_a_job(app, factory, login_as):
    _, boss, staff = factory.team(1)
    job = Job(kind="test_echo", params={}, created_by_id=boss.id, instansi_id=boss.instansi_id)
    db.session.add(job)
    db.session.commit()
    assert login_as(staff[0]).get(f"/pekerjaan/{job.id}").status_code == 404
    assert db.session.scalar(select(Job.status).where(Job.id == job.id)) == "queued"

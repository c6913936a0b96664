"""Background jobs: claimed once, retried when they fail or their runner dies, run by
threads or RQ — also with a real worker process killed in the middle of a job."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.models import AuditEvent, Job
from portal.models.types import utcnow
from tests.conftest import app_config
from tests.job_handlers import ran, runs_file

ROOT = Path(__file__).resolve().parent.parent

# Jobs run in threads and worker processes, on connections of their own.
pytestmark = pytest.mark.commits


@pytest.fixture(autouse=True)
def _clear_runs():
    ran.clear()


@pytest.fixture
def rq_redis():
    """A Redis database of these tests' own and a queue name of this test's own."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/14"
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    name = f"portal-test-{uuid.uuid4().hex[:8]}"
    yield url, name
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)


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
    assert jobs.revive_stale() == [job.id]
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
    assert jobs.revive_stale() == []
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


def _stale_job(boss, **values) -> Job:
    job = Job(
        **{
            "kind": "test_echo",
            "params": {"steps": 1},
            "created_by_id": boss.id,
            "instansi_id": boss.instansi_id,
            "status": "running",
            "attempts": 1,
            "claim": "dead",
            "heartbeat_at": utcnow() - jobs.STALE - timedelta(seconds=5),
            **values,
        }
    )
    db.session.add(job)
    db.session.commit()
    return job


def test_a_failed_run_is_retried_by_the_thread(app, factory, monkeypatch):
    _, boss, _ = factory.team(1)
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", (0, 0))
    failures = []

    def flaky(job, progress):
        if not failures:
            failures.append(job.id)
            raise RuntimeError("printer offline")
        return "ok.txt"

    monkeypatch.setitem(jobs.HANDLERS, "test_flaky", flaky)
    job = jobs.enqueue("test_flaky", {}, boss)
    done = _wait_for(job.id, "done")
    assert failures == [job.id] and done.attempts == 2 and done.error == ""


def test_a_job_out_of_attempts_is_failed_by_the_reviver(app, factory):
    _, boss, _ = factory.team(1)
    job = _stale_job(boss, attempts=jobs.MAX_ATTEMPTS)
    assert jobs.revive_stale() == []
    db.session.expire_all()
    assert (job.status, job.error) == ("failed", jobs.GAVE_UP)
    assert job.finished_at is not None and ran == []


def test_the_progress_page_never_revives_a_stale_job(app, factory, login_as):
    _, boss, _ = factory.team(1)
    job = _stale_job(boss)
    page = login_as(boss).get(f"/pekerjaan/{job.id}", htmx=True)
    assert page.status_code == 200
    time.sleep(0.5)  # a thread it had started would have run the one-step job by now
    db.session.expire_all()
    assert (job.status, job.attempts, ran) == ("running", 1, [])


def test_the_jobs_revive_command_runs_a_stale_job_again(app, factory):
    _, boss, _ = factory.team(1)
    job = _stale_job(boss)
    result = app.test_cli_runner().invoke(args=["jobs-revive"])
    assert result.exit_code == 0, result.output
    assert "1 pekerjaan dijalankan lagi." in result.output
    assert _wait_for(job.id, "done").attempts == 2 and ran == [job.id]


def test_rq_jobs_carry_rqs_own_retry_and_timeout(app, factory, rq_redis):
    from rq import Queue

    url, name = rq_redis
    app.config.update(PORTAL_REDIS_URL=url, PORTAL_JOB_QUEUE=name)
    _, boss, _ = factory.team(1)
    jobs.enqueue("test_echo", {}, boss)
    queue = Queue(name, connection=jobs._queue().connection)
    (queued,) = queue.jobs
    assert queued.func_name == "portal.jobs.run_in_worker"
    assert queued.timeout == jobs.JOB_TIMEOUT
    assert queued.retries_left == jobs.MAX_ATTEMPTS - 1
    assert queued.retry_intervals == list(jobs.RETRY_INTERVALS)


def test_a_failed_run_in_an_rq_worker_raises_so_that_rq_retries_it(app, factory, monkeypatch):
    _, boss, _ = factory.team(1)

    def broken(job, progress):
        raise RuntimeError("kertas habis")

    monkeypatch.setitem(jobs.HANDLERS, "test_broken", broken)
    job = Job(kind="test_broken", params={}, created_by_id=boss.id, instansi_id=boss.instansi_id)
    db.session.add(job)
    db.session.commit()
    with pytest.raises(jobs.RunFailed):
        jobs.run_in_worker(job.id)
    db.session.expire_all()
    assert (job.status, job.attempts) == ("queued", 1) and "kertas habis" in job.error


def _start_worker(config: dict, log: Path, *, burst: bool = False) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.job_worker", json.dumps(config)]
    with log.open("a") as out:
        return subprocess.Popen(
            [*command, *(["--burst"] if burst else [])],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the worker and its scheduler
        )


def _kill_work_horse(pid: int) -> None:
    """The work horse runs in a process group of its own: kill it by its id, once it is
    sure to be the horse of our worker (a fork of ``tests.job_worker``)."""
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        if b"tests.job_worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)


def _tally_rows(job_id: int) -> list[int]:
    db.session.rollback()
    rows = db.session.scalars(
        select(AuditEvent.summary).where(AuditEvent.action == "test.tally")
    ).all()
    return sorted(r["step"] for r in rows if r["job"] == job_id)


def test_a_worker_killed_mid_job_loses_and_duplicates_nothing(
    app, factory, database_url, tmp_path, rq_redis, monkeypatch
):
    """A real worker process is killed (SIGKILL, with its work horse) in the middle of a
    job; the next worker revives the job when it starts and runs it to the end, and RQ's
    own handling of the abandoned job later finds nothing left to do."""
    from rq import Queue

    url, name = rq_redis
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", (0, 0))  # RQ's retry requeues at once
    app.config.update(PORTAL_REDIS_URL=url, PORTAL_JOB_QUEUE=name)
    config = {
        **app_config(database_url, tmp_path),
        "PORTAL_REDIS_URL": url,
        "PORTAL_JOB_QUEUE": name,
        "PORTAL_JOB_STALE_SECONDS": 1,
    }
    log = tmp_path / "worker.log"
    _, boss, _ = factory.team(1)
    steps = 8
    job = jobs.enqueue("test_tally", {"steps": steps, "pause": 0.4}, boss)
    runs_file(job.id).unlink(missing_ok=True)  # left by an earlier run of the suite

    first = _start_worker(config, log)
    try:
        deadline = time.monotonic() + 60
        while _fresh(job.id).progress < 2:
            assert time.monotonic() < deadline and first.poll() is None, log.read_text()
            time.sleep(0.05)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    _kill_work_horse(int(runs_file(job.id).read_text().split()[0]))

    killed = _fresh(job.id)
    assert killed.status == "running" and 2 <= killed.progress < steps
    assert _tally_rows(job.id) == []  # nothing of the killed run was committed
    time.sleep(1.5)  # its heartbeat grows stale

    second = _start_worker(config, log, burst=True)
    assert second.wait(timeout=90) == 0, log.read_text()
    done = _fresh(job.id)
    assert (done.status, done.attempts, done.progress) == ("done", 2, steps), log.read_text()
    assert _tally_rows(job.id) == list(range(1, steps + 1))  # every step, once
    assert len(runs_file(job.id).read_text().split()) == 2
    assert (jobs.results_folder() / done.result_name).read_text() == str(steps)

    # RQ's own abandoned-job handling retries the killed run's RQ job as well...
    queue = Queue(name, connection=jobs._queue().connection)
    queue.started_job_registry.cleanup(time.time() + 3600)
    assert queue.count == 1
    third = _start_worker(config, log, burst=True)
    assert third.wait(timeout=90) == 0, log.read_text()
    # ...and the claim lets it do nothing a second time.
    again = _fresh(job.id)
    assert (again.status, again.attempts) == ("done", 2)
    assert _tally_rows(job.id) == list(range(1, steps + 1))
    assert len(runs_file(job.id).read_text().split()) == 2
    assert queue.count == 0


def _fresh(job_id: int) -> Job:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Job, job_id)

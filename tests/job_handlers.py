"""Job handlers for the job tests, registered in the test process and in the worker
processes the tests start (``tests.job_worker``)."""

from __future__ import annotations

import os
import time

from portal import audit, jobs
from portal.extensions import db
from portal.models import Employee, Job

ran: list[int] = []  # the jobs run in this process, in order


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


def runs_file(job_id: int):
    return jobs.results_folder() / f"tally-{job_id}.runs"


@jobs.handler("test_tally")
def tally(job: Job, progress) -> str:
    """Works through ``steps`` slow steps, then writes one audit row per step: the rows
    are the work that must be neither lost nor done twice. Each run leaves its process id
    in a file outside the database, so the test sees every run, also a killed one."""
    with runs_file(job.id).open("a") as handle:
        handle.write(f"{os.getpid()}\n")
    steps = job.params["steps"]
    for step in range(1, steps + 1):
        time.sleep(job.params.get("pause", 0))
        progress(step, steps)
    owner = db.session.get(Employee, job.created_by_id)
    for step in range(1, steps + 1):
        audit.record("test.tally", owner, actor=owner, summary={"job": job.id, "step": step})
    name = f"tally-{job.id}.txt"
    (jobs.results_folder() / name).write_text(str(steps))
    return name

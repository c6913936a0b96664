"""A real RQ worker process for the job tests: the portal's own worker
(:func:`portal.jobs.work`, what ``flask --app wsgi worker`` runs) over the test database,
with the tests' handlers registered.

``python -m tests.job_worker CONFIG_JSON [--burst]``
"""

from __future__ import annotations

import json
import sys

from portal import create_app, jobs
from tests import job_handlers  # noqa: F401  (registers the test handlers)


def main() -> None:
    app = create_app(json.loads(sys.argv[1]))
    with app.app_context():
        jobs.work(burst="--burst" in sys.argv[2:])


if __name__ == "__main__":
    main()

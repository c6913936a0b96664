"""The evaluation feature's routes, by responsibility: the screen (``evaluate``), the
response and the objection, the follow-up, and the letters. ``screen`` holds what they
share: loading the plan and showing the screen again with errors."""

from portal.evaluations.routes import evaluate, follow_up, letters, objection  # noqa: F401

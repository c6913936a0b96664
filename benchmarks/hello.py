"""The yardstick for ``benchmarks/pages.py``: Flask's hello world, served the same way."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"

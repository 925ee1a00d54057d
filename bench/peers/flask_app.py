"""The seed's Flask application: POST /first, /second, /third.

Served by the benchmark in three ways, as the seed served it:
  python3 -m flask --app flask_app run --with-threads   (development server)
  python3 -m gunicorn --workers 8 --threads 12 flask_app:app
  python3 -m waitress --threads=128 flask_app:app
"""

from flask import Flask, jsonify, request

from seed_services import configure_logging, execution_service, make_action

configure_logging()
app = Flask(__name__)


def _handle(endpoint):
    try:
        data = request.get_json()
        result = execution_service.execute(make_action(endpoint), data)
        return jsonify(result), 200
    except Exception as error:  # the seed answered every failure with a 500
        return jsonify({"error": str(error)}), 500


@app.post("/first")
def first():
    return _handle("first")


@app.post("/second")
def second():
    return _handle("second")


@app.post("/third")
def third():
    return _handle("third")

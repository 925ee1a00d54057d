"""The seed's FastAPI application: POST /first, /second, /third.

Served by the benchmark as the seed served it:
  python3 -m uvicorn --workers 4 fastapi_app:app

The endpoints are plain `def` functions, so FastAPI runs each one on its
worker's thread pool (anyio's, 40 threads by default) and the repository's
time.sleep() holds one of those threads for the whole delay.
"""

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse

from seed_services import configure_logging, execution_service, make_action

configure_logging()
app = FastAPI()


def _handle(endpoint, data):
    try:
        return execution_service.execute(make_action(endpoint), data)
    except Exception as error:  # the seed answered every failure with a 500
        return JSONResponse(status_code=500, content={"error": str(error)})


@app.post("/first")
def first(data: dict = Body(...)):
    return _handle("first", data)


@app.post("/second")
def second(data: dict = Body(...)):
    return _handle("second", data)


@app.post("/third")
def third(data: dict = Body(...)):
    return _handle("third", data)

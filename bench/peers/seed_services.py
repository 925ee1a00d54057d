"""The seed's service layer, shared by the Flask and FastAPI apps.

An endpoint hands the request's parsed JSON body and a callback to
ExecutionService.execute(); the callback asks the Repository to run with the
endpoint's own list of names. The repository holds the calling thread for the
whole delay with time.sleep(), as the seed's Python repository did: that is what
the benchmark measures, so it is kept on purpose.

REPOSITORY_DELAY_MS (default 2000) sets the delay, so the benchmark's
--delay-ms applies to these servers as well as to plugin-host.
"""

import logging
import os
import time

logger = logging.getLogger("seed")

DELAY_SECONDS = int(os.environ.get("REPOSITORY_DELAY_MS", "2000")) / 1000.0

# The names each endpoint passes to the repository.
ENDPOINT_NAMES = {
    "first": ["first_first", "first_second"],
    "second": ["second_first", "second_second"],
    "third": ["third_first", "third_second"],
}


class Repository:
    def execute(self, names, data):
        logger.info("Executing %s with data: %s", names, data)
        time.sleep(DELAY_SECONDS)
        return f"{','.join(names)} Executed"


class ExecutionService:
    def execute(self, action, data):
        logger.info("Starting %s", getattr(action, "__name__", action))
        result = action(data)
        logger.info("Finished")
        return result


repository = Repository()
execution_service = ExecutionService()


def make_action(endpoint):
    """The callback an endpoint hands to the execution service."""
    names = ENDPOINT_NAMES[endpoint]

    def action(data):
        return repository.execute(names, data)

    action.__name__ = endpoint
    return action


def configure_logging():
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s [%(levelname)s] %(name)s: %(message)s",
    )

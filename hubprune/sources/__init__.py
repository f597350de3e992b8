"""Where headers come from: a local path (``local.py``) or a Hub repo (``hub.py``).

What a read says on the way (a rate-limit wait, a renamed repo, a local folder read instead of a
repo, an unusable cache) goes to the ``hubprune`` logger, one line each; ``notices_to_stderr``
makes a command-line run print them. ``logging`` is imported only here and where a notice is
sent: a read with nothing to say never loads it.
"""

from __future__ import annotations

import sys
from functools import cache


@cache
def _stderr_lines() -> type:
    """The handler class that prints a notice as one ``hubprune: ...`` line (one class per process)."""
    import logging

    class StderrLines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            try:
                sys.stderr.write(f"hubprune: {record.getMessage()}\n")
                sys.stderr.flush()
            except (OSError, ValueError):
                pass

    return StderrLines


def notices_to_stderr() -> None:
    """Print the library's notices as ``hubprune: ...`` lines on stderr (once per process)."""
    import logging

    handler = _stderr_lines()
    logger = logging.getLogger("hubprune")
    if not any(isinstance(existing, handler) for existing in logger.handlers):
        logger.addHandler(handler())
    logger.setLevel(logging.INFO)
    logger.propagate = False

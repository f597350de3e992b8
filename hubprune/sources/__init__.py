"""Where headers come from: a local path (``local.py``) or a Hub repo (``hub.py``).

What a read says on the way (a rate-limit wait, a renamed repo, a local folder read instead of a
repo, an unusable cache) goes to the ``hubprune`` logger, one line each; ``notices_to_stderr``
makes a command-line run print them.
"""

from __future__ import annotations

import logging
import sys


class _StderrLines(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"hubprune: {record.getMessage()}\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def notices_to_stderr() -> None:
    """Print the library's notices as ``hubprune: ...`` lines on stderr (once per process)."""
    logger = logging.getLogger("hubprune")
    if not any(isinstance(handler, _StderrLines) for handler in logger.handlers):
        logger.addHandler(_StderrLines())
    logger.setLevel(logging.INFO)
    logger.propagate = False

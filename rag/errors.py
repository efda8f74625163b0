"""Errors that carry their fix in the message, and how the command-line tools report them."""

import logging
import sys


class DanvanError(Exception):
    """Base class of the errors this project raises on purpose."""


class InputError(DanvanError):
    """A file or record cannot be read; the message names the file, the line and the fix."""


class CollectionMismatchError(DanvanError):
    """A collection was built with another model, chunker or normaliser than the current settings."""


class _CliFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = "error: " if record.levelno >= logging.ERROR else ""
        return prefix + record.getMessage()


def cli_log(name: str) -> logging.Logger:
    """The logger a command-line entry point (``python -m rag``, ``python -m ingest``) reports its
    errors and notices with: to the current ``sys.stderr``, errors as ``error: <message>`` (the
    message carries its fix), notices as they are; it does not propagate to the root logger, so the
    library's own ``logging`` configuration neither hides nor repeats them."""
    log = logging.getLogger(f"{name}.cli")
    for handler in list(log.handlers):
        log.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_CliFormatter())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return log

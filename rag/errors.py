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
        prefix = "lỗi: " if record.levelno >= logging.ERROR else ""
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


#: argparse's own words (usage, section titles, its errors) as an officer reads them.
_ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tuỳ chọn",
    "optional arguments": "tuỳ chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s (xem thêm: %(prog)s --help)\n",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ambiguous option: %(option)s could match %(matches)s": "tuỳ chọn mơ hồ: %(option)s có thể là %(matches)s",
}


def vietnamese_argparse() -> None:
    """Have ``argparse`` print its own words (usage, titles, errors) in Vietnamese; call it before
    building a command line's parser."""
    import argparse

    argparse._ = lambda text: _ARGPARSE_VI.get(text, text)  # type: ignore[attr-defined]

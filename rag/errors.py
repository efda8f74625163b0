"""Errors that carry their fix in the message."""


class DanvanError(Exception):
    """Base class of the errors this project raises on purpose."""


class InputError(DanvanError):
    """A file or record cannot be read; the message names the file, the line and the fix."""


class CollectionMismatchError(DanvanError):
    """A collection was built with another model, chunker or normaliser than the current settings."""

"""The one error family the CLI reports as a single helpful line instead of a traceback."""


class OperatorError(RuntimeError):
    """A failure the operator can act on; the message says what happened and what to do."""

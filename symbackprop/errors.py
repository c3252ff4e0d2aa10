"""The one error type users see: a message that says what is wrong and where."""


class SpecError(ValueError):
    """Bad user input: a spec, a values file, a name.

    ``where`` is a location prefix such as ``net.toml:3:7`` or ``values.json: params``;
    the CLI prints ``symbackprop: error: <where>: <message>`` and exits non-zero.
    """

    def __init__(self, message, where=None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class OutputError(OSError):
    """A fault of the environment while writing (a full disk, a read-only folder): the CLI
    prints one line and exits 1; nothing was half-written."""

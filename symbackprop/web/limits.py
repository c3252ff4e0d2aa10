"""What one request may ask of the server: sizes, times, how many wait."""

PAGE_BYTES = 1024 * 1024      # a derivation (UTF-8) of at most 1 MB
SPEC_BYTES = 64 * 1024        # a pasted TOML spec of at most 64 KB
# JSON doubles a backslash, so a body may be about twice its text
BODY_BYTES = 2 * (PAGE_BYTES + SPEC_BYTES) + 64 * 1024
CHECK_SECONDS = 20.0          # the work of one check request, in a worker
LESSON_SECONDS = 60.0         # the work of one lesson page, in a worker
QUEUE_SECONDS = 120.0         # how long a request may wait for a free worker
QUEUE_MAX = 500               # requests waiting at once; more get 503
STARTUP_SECONDS = 120.0       # a worker's imports and first table
WORKER_BYTES = 4 * 1024 ** 3  # address space of a worker: a runaway fails alone (MemoryError)
WORKER_JOBS = 500             # a worker is replaced after so many jobs (bounded memory)

FORMATS = {"md": "markdown", "tex": "latex", "txt": "text"}


def notations() -> tuple[str, ...]:
    """The notation styles a claim may be written in: the profiles' registry."""
    from ..profiles import STYLES

    return STYLES

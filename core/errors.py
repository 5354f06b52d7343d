"""Domain errors. The edges (CLI, web UI) turn them into messages; NEWSDESK_DEBUG=1 re-raises."""


class NewsdeskError(Exception):
    """Base class: the message is written for the user and says what to do."""

    exit_code = 1


class ConfigError(NewsdeskError):
    """A setting or argument has a value that cannot work."""

    exit_code = 2


class SourceError(NewsdeskError):
    """An input (file, URL, feed, JSONL line) could not be read or parsed."""

    exit_code = 3


class StoreError(NewsdeskError):
    """The vector store or the BM25 index is missing, unreachable or inconsistent."""

    exit_code = 4


class AnswerError(NewsdeskError):
    """The answerer (an LLM backend) failed to produce an answer."""

    exit_code = 5


class ConversationError(NewsdeskError):
    """A saved conversation or shared link does not exist, is not the caller's, or cannot take the change."""

    exit_code = 3


class AccessError(NewsdeskError):
    """A logged-in user asked for something their role does not allow (a viewer adding articles)."""

    exit_code = 2

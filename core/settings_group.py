"""The base of every settings group (kept apart so the group modules and core/settings.py share it)."""

from pydantic import BaseModel, ConfigDict


class Group(BaseModel):
    # A misspelled setting must be an error, not a silently ignored default.
    model_config = ConfigDict(extra="forbid")

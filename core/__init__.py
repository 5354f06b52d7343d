"""Settings, domain types and errors shared by every layer."""

"""Saved conversations and their shared snapshots: a SQLite store under NEWSDESK_HOME, and exports."""

"""Talking to MongoDB: the client factory and small typed command helpers (pymongo only)."""

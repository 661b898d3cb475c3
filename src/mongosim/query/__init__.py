"""Query semantics shared by every command: matching, projection, sorting, scanning with a plan, updates.

Matching, update operators and aggregation stages reuse mongomock's engine (filtering, update and aggregate
modules); this package adds what a server must do itself and adapts errors to MongoDB's codes.
"""

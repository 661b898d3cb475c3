"""The operations API: FastAPI app factory, dependencies, one router per resource, under /api/v1."""

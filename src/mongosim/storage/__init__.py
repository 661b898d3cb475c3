"""Storage: the catalog of databases and collections, documents, indexes, journal and checkpoints."""

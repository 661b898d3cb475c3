"""The ``mongo-admin`` command line: a Click root group and one module per command group."""

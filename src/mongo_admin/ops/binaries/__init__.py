"""Install MongoDB Community server binaries from MongoDB's downloads index, and list what is installed.

``platform`` says which build this machine needs, ``feed`` reads the downloads index and picks a release and
its archive, ``install`` downloads, verifies, unpacks and lists. Resolution (which installed version a deploy
launches) stays in ``mongo_admin.providers.binaries``.
"""

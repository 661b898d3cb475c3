"""(being written)"""
from mongosim.commands import command


@command("ping", no_auth=True)
def ping(ctx, cmd):
    return {}

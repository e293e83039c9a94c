"""python -m sheetsync: the same command as `sheetsync`."""

from sheetsync.cli import cli

cli()

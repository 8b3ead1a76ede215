"""The subcommands' names, for the console script's quick path and the full command line alike
(anything else first on the command line is a path: ``aoai-migrate PATH``)."""

COMMANDS = ("migrate", "roles", "verify", "batch")

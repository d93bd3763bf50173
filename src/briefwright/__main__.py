"""``python -m briefwright``: the ``brief`` command, for an environment without its script."""

from .cli import main

main()

"""``python -m newswire.cli``."""

from newswire.cli import main

main()

"""``python -m watchkeeper.cli``."""

from watchkeeper.cli import main

main()

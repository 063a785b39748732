"""``python -m lstmcast`` runs the command line."""

from lstmcast.cli import main

main()

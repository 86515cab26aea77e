"""``python -m rectify.cli`` runs the command line, as the ``rectify`` script does."""

from rectify.cli import main

if __name__ == "__main__":
    main()

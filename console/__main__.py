import sys

from .cli import main

# Guarded: a process the console spawns (console.db's reader process) imports this module as __mp_main__.
if __name__ == "__main__":
    sys.exit(main())

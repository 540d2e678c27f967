"""``python -m parallel_guide``: see :mod:`parallel_guide.cli`."""

from parallel_guide.cli import main

# Only ever run as a script (python -m); spawned workers skip a package's
# __main__, so this never runs in them.
raise SystemExit(main())

"""``python -m parallel_guide``: see :mod:`parallel_guide.site.cli`."""

from parallel_guide.site.cli import main

# Only ever run as a script (python -m); spawned workers skip a package's
# __main__, so this never runs in them.
raise SystemExit(main())

"""Recipes: the two files the guide gives readers to copy into their own code.

``parallel_map.py`` and ``run_tasks.py`` are one file each, of at most 150 lines,
that need the standard library only and import nothing from this package: a
reader copies the file and imports from it (``from parallel_map import
parallel_map``).  The guide's own pages import them from here.
"""

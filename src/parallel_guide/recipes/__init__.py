"""Recipes: what the guide recommends readers adopt in their own code.

Each recipe is one module that needs the standard library only and imports
nothing else from this package, so it can be copied into a project on its own.
Import them from :mod:`parallel_guide` (``from parallel_guide import
parallel_map``) or from their module.
"""

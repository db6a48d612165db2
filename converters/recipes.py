"""Recipes: named conversion presets read from ``recipes.toml`` (data, not code).

A recipe only fills in options the user did not give explicitly; flags always win. Unknown
recipe names are refused with the closest matches, so a typo never silently means "float32".
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from edge_sdk.core.errors import ConfigError, UsageError
from edge_sdk.core.suggest import did_you_mean

RECIPES_FILE = Path(__file__).with_name("recipes.toml")
RECIPE_KEYS = {"description", "quantize", "io", "prune", "prune_structure", "search"}


@lru_cache(maxsize=1)
def load_recipes() -> dict[str, dict[str, Any]]:
    """All recipes by name, validated (unknown keys are a packaging bug, reported as ConfigError)."""
    with RECIPES_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    for name, recipe in data.items():
        unknown = set(recipe) - RECIPE_KEYS
        if unknown:
            raise ConfigError(f"{RECIPES_FILE}: recipe {name!r} has unknown keys {sorted(unknown)}",
                              hint=f"allowed keys: {sorted(RECIPE_KEYS)}")
    return data


def recipe_names() -> list[str]:
    return list(load_recipes())


def get_recipe(name: str) -> dict[str, Any]:
    """The recipe called ``name``; a UsageError naming the closest recipes otherwise."""
    recipes = load_recipes()
    if name not in recipes:
        suggestion = did_you_mean(name, recipes, n=3, cutoff=0.4)
        suggestion += " " if suggestion else ""
        raise UsageError(f"unknown recipe {name!r}",
                         hint=f"{suggestion}available recipes: {', '.join(recipes)}")
    return dict(recipes[name])

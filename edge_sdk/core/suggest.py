"""The one "did you mean ...?" of every error that names an unknown key, id, recipe or op.

A typo in a budget key, a device id or a recipe name is the most common bad input; the fix is
almost always the closest valid name. One helper so every message reads the same way (names
quoted as Python would print them, at most three, the closest first) and so the thresholds are
tuned in one place.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_matches(word: str, options: Iterable[str], *, n: int = 1, cutoff: float = 0.6,
                  substrings: bool = False) -> list[str]:
    """Up to ``n`` of ``options`` closest to ``word`` (difflib's ratio >= ``cutoff``), closest first.

    ``substrings``: also offer options that contain ``word`` (``pixel`` -> ``pixel-4``), after the
    close ones; ids are often typed as a fragment rather than misspelled.
    """
    choices = list(dict.fromkeys(options))
    found = difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)
    if substrings and word:
        found += [c for c in choices if word.lower() in c.lower() and c not in found][: max(0, n - len(found))]
    return found


def did_you_mean(word: str, options: Iterable[str], *, n: int = 1, cutoff: float = 0.6,
                 substrings: bool = False, parens: bool = False) -> str:
    """``"did you mean 'latency_p90'?"`` (or ``'a', 'b' or 'c'``), or ``""`` when nothing is close.

    ``parens``: the form that follows a message, ``" (did you mean 'size'?)"``.
    """
    found = close_matches(word, options, n=n, cutoff=cutoff, substrings=substrings)
    if not found:
        return ""
    quoted = [repr(name) for name in found]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f" (did you mean {listed}?)" if parens else f"did you mean {listed}?"

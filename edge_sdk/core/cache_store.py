"""Where edge-sdk keeps results between runs, and why it may believe what it finds there.

A cached measurement decides a gate as surely as a fresh one, so a cache is an input an attacker
would love to write: a pull request that commits two edited entries could make a 17 MB, 14 ms
model pass ``size = "1 MB"``. Hence:

- **Outside the repository.** One variable moves it, ``EDGE_SDK_CACHE_DIR``; by default it is the
  user's cache directory (``$XDG_CACHE_HOME/edge-sdk`` or ``~/.cache/edge-sdk``), never a folder of
  the checkout. ``EDGE_SDK_CACHE`` (the old spelling the onnx2tf cache read) still works, with a
  deprecation warning.
- **Signed.** Every entry carries an HMAC-SHA256 over its content. The key is per user: 32 random
  bytes in ``~/.cache/edge-sdk/cache-key`` (mode 0600, in the *user's* cache directory even when
  ``EDGE_SDK_CACHE_DIR`` points elsewhere), so entries this machine did not write do not verify
  and are measured again. A store shared between machines (a CI cache restored on a fresh runner)
  is trusted only when the user names its key explicitly in ``EDGE_SDK_CACHE_KEY`` (a CI secret,
  which pull requests from forks never see).
- **Bound to what they describe.** Callers put the subject's sha256 (the model's, the ONNX
  file's) inside the signed content and compare it on every read; the sha256 itself is computed
  fresh on every run, never cached.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import warnings
from pathlib import Path
from typing import Any

CACHE_DIR_ENV = "EDGE_SDK_CACHE_DIR"
DEPRECATED_CACHE_ENV = "EDGE_SDK_CACHE"
KEY_ENV = "EDGE_SDK_CACHE_KEY"
KEY_FILE_NAME = "cache-key"
_warned = False


def user_cache_home() -> Path:
    """``$XDG_CACHE_HOME/edge-sdk`` or ``~/.cache/edge-sdk``: the user's own, whatever the variables say."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edge-sdk"


def cache_root() -> Path:
    """The root of every edge-sdk cache (measurements, onnx2tf, estimator): see the module docstring."""
    global _warned
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(chosen)
    legacy = os.environ.get(DEPRECATED_CACHE_ENV)
    if legacy:
        if not _warned:
            _warned = True
            warnings.warn(f"{DEPRECATED_CACHE_ENV} is deprecated: set {CACHE_DIR_ENV} instead (same meaning)",
                          FutureWarning, stacklevel=2)
        return Path(legacy)
    return user_cache_home()


def key_origin() -> str:
    """Where the signing key comes from, for messages."""
    return f"${KEY_ENV}" if os.environ.get(KEY_ENV) else str(user_cache_home() / KEY_FILE_NAME)


def signing_key() -> bytes | None:
    """The HMAC key: ``$EDGE_SDK_CACHE_KEY`` if set, else this user's key file (created on first use).

    None when no safe key can be had (an unwritable home): the caller then neither trusts nor
    writes entries. A key file others can read or write is replaced, never used.
    """
    shared = os.environ.get(KEY_ENV)
    if shared:
        return shared.encode("utf-8")
    path = user_cache_home() / KEY_FILE_NAME
    for _attempt in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                info = os.fstat(fd)
                key = os.read(fd, 4096)
            finally:
                os.close(fd)
            if info.st_mode & 0o077 or info.st_uid != os.getuid() or len(key) < 32:
                os.unlink(path)          # readable or writable by others, or not ours: never trusted
                continue
            return key
        except FileNotFoundError:
            pass
        except OSError:
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            continue                     # another process created it first: read theirs
        except OSError:
            return None
        try:
            key = secrets.token_bytes(32)
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        return key
    return None


def _canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def seal(payload: dict[str, Any], key: bytes) -> dict[str, Any]:
    """``{"payload": ..., "mac": HMAC-SHA256(key, canonical JSON of payload)}``."""
    return {"payload": payload, "mac": hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()}


def unseal(entry: Any, key: bytes | None) -> dict[str, Any] | None:
    """The payload of a sealed entry if its MAC verifies under ``key``; None otherwise."""
    if key is None or not isinstance(entry, dict):
        return None
    payload, mac = entry.get("payload"), entry.get("mac")
    if not isinstance(payload, dict) or not isinstance(mac, str):
        return None
    expected = hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()
    return payload if hmac.compare_digest(expected, mac) else None


def untrusted_note(count: int, where: Path | str, what: str = "cache entries") -> str:
    """The note a caller shows when entries were ignored."""
    return (f"{count} {what} in {where} did not verify (edited, written on another machine or by an older "
            f"edge-sdk, or signed with another key than {key_origin()}): ignored and measured again. To share a "
            f"cache between machines on purpose, give them the same secret in ${KEY_ENV}.")

"""``edge-sdk devices new ID --soc ... --cores ... --ram ...``: a profile for a phone not in the catalog.

The profile is built by ``devices.authoring`` (the same code ``edge-sdk calibrate`` uses), validated
by the catalog's reader, and written atomically. Bad input exits 2 with one message naming the flag
and a working example.
"""

from __future__ import annotations

import argparse
import re
import shlex

from edge_sdk.core.errors import UsageError

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EXAMPLE = ('edge-sdk devices new my-phone --soc "Snapdragon 888" '
           '--cores "1x cortex-x1@2.84,3x cortex-a78@2.42,4x cortex-a55@1.8" --ram 8GiB')


def flag_error(error: object) -> UsageError:
    """An authoring error (which names a parameter) as a usage error naming the command-line flag."""
    field, message = getattr(error, "field", "input"), getattr(error, "message", str(error))
    text = message.split(": ", 1)[1] if message.startswith(f"{field}: ") else message
    return UsageError(f"--{field}: {text}", hint=f"example: --{field} {getattr(error, 'example', '')}".rstrip())


def run_new(args: argparse.Namespace) -> int:
    from devices.authoring import AuthoringError, on_device_path
    from edge_sdk._api.devices import new_device

    profile_id = args.device
    if not profile_id:
        raise UsageError("`edge-sdk devices new` needs an id for the new profile", hint=f"e.g. {EXAMPLE}")
    if not ID_PATTERN.match(profile_id):
        raise UsageError(f"{profile_id!r}: a profile id is lowercase kebab-case", hint=f"e.g. {EXAMPLE}")
    for flag in ("soc", "cores", "ram"):
        if not getattr(args, flag):
            raise UsageError(f"--{flag} is required for `devices new`", hint=f"e.g. {EXAMPLE}")
    try:
        made = new_device(profile_id, soc=args.soc, cores=args.cores, ram=args.ram, like=args.like, name=args.name,
                          kind=args.kind, output=args.output, force=args.force)
    except AuthoringError as error:
        raise flag_error(error) from None
    compute = made.profile["compute"]
    cores = made.profile.get("cpu", {}).get("source", "").removeprefix("given by the user: ")
    print(f"wrote {made.path}")
    print(f"  {cores}; peak {compute['peak_gmacs_fp32']:g} GMAC/s fp32, {compute['peak_gmacs_int8']:g} int8 (derived); "
          f"estimates borrow {made.borrowed} and carry the wider band of a device without published points")
    if not on_device_path(made.path.parent):
        folder = shlex.quote(str(made.path.parent.resolve()))  # absolute: the line works from any directory
        print(f"  next: export EDGE_SDK_DEVICE_PATH={folder} && edge-sdk profile MODEL --device {profile_id}")
    else:
        print(f"  next: edge-sdk profile MODEL --device {profile_id}")
    return 0

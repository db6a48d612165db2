"""``edge-sdk devices new ID --soc ... --cores ... --ram ...``: a profile for a phone not in the catalog.

The profile is built by ``devices.authoring`` (the same code ``edge-sdk calibrate`` uses), validated
by the catalog's reader, and written atomically. Bad input exits 2 with one message naming the flag
and a working example.
"""

from __future__ import annotations

import argparse
import re

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
    from devices import load_profile
    from devices.authoring import (
        AuthoringError,
        cluster_tables,
        on_device_path,
        parse_cores,
        parse_ram,
        phone_profile,
        profile_path,
        render,
    )
    from edge_sdk.core.atomic import atomic_write_text
    from edge_sdk.core.paths import OutputPlan, output_errors

    profile_id = args.device
    if not profile_id:
        raise UsageError("`edge-sdk devices new` needs an id for the new profile", hint=f"e.g. {EXAMPLE}")
    if not ID_PATTERN.match(profile_id):
        raise UsageError(f"{profile_id!r}: a profile id is lowercase kebab-case", hint=f"e.g. {EXAMPLE}")
    for flag in ("soc", "cores", "ram"):
        if not getattr(args, flag):
            raise UsageError(f"--{flag} is required for `devices new`", hint=f"e.g. {EXAMPLE}")
    try:
        clusters = cluster_tables(parse_cores(args.cores))
        ram = parse_ram(args.ram)
        target = profile_path(args.output, profile_id)
    except AuthoringError as error:
        raise flag_error(error) from None
    like = load_profile(args.like) if args.like else None  # an unknown id exits 2 with the closest ids
    if like is not None and like.kind in ("mcu", "host"):
        raise UsageError(f"--like {args.like}: a {like.kind} profile cannot stand in for a {args.kind}",
                         hint="--like a phone or board, e.g. --like pixel-7")
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists", hint="pass --force to replace it, or choose another id or -o DIR")
    cores = ", ".join(f"{c['count']}x {c['core']} @ {c['ghz']:g} GHz" for c in clusters)
    data = phone_profile(profile_id, name=args.name or profile_id, soc=args.soc, clusters=clusters, ram_bytes=ram,
                         like=like, kind=args.kind, cpu_source=f"given by the user: {cores}")
    header = (f"# {data['name']}: written by `edge-sdk devices new` from --soc/--cores/--ram"
              f"{' --like ' + like.id if like else ''}.\n# Derived numbers are listed under estimates; "
              "replace them with measured ones when you have them (edge-sdk calibrate adds measured points).\n")
    text = render(data, header=header)
    OutputPlan().read(like.path if like else None, "--like profile").write("-o", target).check()
    with output_errors("-o", target):
        atomic_write_text(target, text)
    borrowed = (f"the fitted corrections of {like.id}" if like and like.calibration else
                f"the fitted correction of its core type ({clusters[0]['core']} or its nearest measured ancestor)"
                + (f"; {like.id} has no published points of its own" if like else ""))
    print(f"wrote {target}")
    print(f"  {cores}; peak {data['compute']['peak_gmacs_fp32']:g} GMAC/s fp32, "
          f"{data['compute']['peak_gmacs_int8']:g} int8 (derived); estimates borrow {borrowed} and carry the "
          "wider band of a device without published points")
    if not on_device_path(target.parent):
        print(f"  next: export EDGE_SDK_DEVICE_PATH={target.parent} && edge-sdk profile MODEL --device {profile_id}")
    else:
        print(f"  next: edge-sdk profile MODEL --device {profile_id}")
    return 0

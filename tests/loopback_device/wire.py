"""The adb wire protocol as the device side sees it: message framing and RSA AUTH verification.

TEST INFRASTRUCTURE. This module belongs to the loopback test device, which STANDS IN FOR A PHONE
so that the real ``adb`` client can be tested on a machine without one. Facts follow the public
protocol description (``system/core/adb/protocol.txt`` in AOSP): a message is six little-endian
uint32 (command, arg0, arg1, data length, data checksum, command ^ 0xffffffff) then the payload.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import struct

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_AUTH = 0x48545541
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257
A_VERSION = 0x01000001
MAX_PAYLOAD = 256 * 1024

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3

NAMES = {A_SYNC: "SYNC", A_CNXN: "CNXN", A_AUTH: "AUTH", A_OPEN: "OPEN", A_OKAY: "OKAY",
         A_CLSE: "CLSE", A_WRTE: "WRTE"}

_HEADER = struct.Struct("<6I")
# DER prefix of a SHA-1 DigestInfo: adb signs the 20-byte token as if it were a SHA-1 digest.
_SHA1_DIGEST_INFO = bytes.fromhex("3021300906052b0e03021a05000414")


class ConnectionClosed(Exception):
    """The peer closed the TCP connection."""


def pack(command: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    checksum = sum(data) & 0xFFFFFFFF
    return _HEADER.pack(command, arg0, arg1, len(data), checksum, command ^ 0xFFFFFFFF) + data


def _read_exact(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(size)
        if not chunk:
            raise ConnectionClosed()
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_message(sock: socket.socket) -> tuple[int, int, int, bytes]:
    """Read one message; raise ValueError on a corrupt header (bad magic)."""
    command, arg0, arg1, length, _checksum, magic = _HEADER.unpack(_read_exact(sock, _HEADER.size))
    if magic != command ^ 0xFFFFFFFF:
        raise ValueError(f"bad adb message magic for command {command:#x}")
    data = _read_exact(sock, length) if length else b""
    return command, arg0, arg1, data


def parse_public_key(text: str) -> tuple[int, int]:
    """(modulus, exponent) of an Android adb public key (``adbkey.pub``: base64 RSAPublicKey struct)."""
    blob = base64.b64decode(text.strip().split()[0])
    words = struct.unpack_from("<I", blob, 0)[0]
    modulus = int.from_bytes(blob[8:8 + 4 * words], "little")
    exponent = struct.unpack_from("<I", blob, 8 + 8 * words)[0]
    return modulus, exponent


def signature_matches(token: bytes, signature: bytes, public_key: tuple[int, int]) -> bool:
    """Verify an adb AUTH signature: RSA PKCS#1 v1.5 over a SHA-1 DigestInfo wrapping the token."""
    modulus, exponent = public_key
    size = (modulus.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    decoded = pow(int.from_bytes(signature, "big"), exponent, modulus).to_bytes(size, "big")
    payload = _SHA1_DIGEST_INFO + token
    expected = b"\x00\x01" + b"\xff" * (size - len(payload) - 3) + b"\x00" + payload
    return decoded == expected


def key_fingerprint(text: str) -> str:
    return hashlib.md5(base64.b64decode(text.strip().split()[0])).hexdigest()  # noqa: S324 - display only

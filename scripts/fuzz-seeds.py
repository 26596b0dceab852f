#!/usr/bin/env python3
"""Writes the seed corpora of the capture and link fuzz targets.

tests/fuzz/corpus/capture/ gets every capture file given (whole), and
tests/fuzz/corpus/link/ every distinct frame in them, prefixed with the
link fuzzer's 3 selector bytes (tests/fuzz/link_fuzzer.cc: the link type's
index, then an extra VLAN tag type). Files are named by the first 16 hex
digits of their SHA-1, so running this again adds nothing twice.

    python3 scripts/fuzz-seeds.py captures/*.pcap* tests/replay/cases/*.pcap
"""

import hashlib
import pathlib
import struct
import sys

# The link fuzzer's table of supported link types, in its order.
LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 276]
# A vendor outer tag type the c25-qinq-8200 case uses.
EXTRA_TAG_TYPE = 0x8200


def pcap_frames(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        return
    link_type = struct.unpack(order + "I", data[20:24])[0] & 0x0FFFFFFF
    offset = 24
    while offset + 16 <= len(data):
        caplen = struct.unpack(order + "I", data[offset + 8:offset + 12])[0]
        yield link_type, data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen


def pcapng_frames(data):
    order = "<"
    link_types = []
    offset = 0
    while offset + 12 <= len(data):
        block_type = struct.unpack(order + "I", data[offset:offset + 4])[0]
        if block_type == 0x0A0D0D0A:
            order = "<" if data[offset + 8:offset + 12] == b"\x4d\x3c\x2b\x1a" \
                else ">"
            link_types = []
        length = struct.unpack(order + "I", data[offset + 4:offset + 8])[0]
        body = data[offset + 8:offset + length - 4]
        if block_type == 1:
            link_types.append(struct.unpack(order + "H", body[0:2])[0])
        elif block_type == 6:
            interface, _, _, caplen = struct.unpack(order + "IIII", body[:16])
            if interface < len(link_types):
                yield link_types[interface], body[20:20 + caplen]
        if length < 12:
            return
        offset += length


def write(directory, data):
    directory.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    (directory / name).write_bytes(data)


def main(paths):
    root = pathlib.Path(__file__).resolve().parent.parent
    corpus = root / "tests" / "fuzz" / "corpus"
    for path in map(pathlib.Path, paths):
        data = path.read_bytes()
        write(corpus / "capture", data)
        frames = pcapng_frames(data) if data[:4] == b"\x0a\x0d\x0d\x0a" \
            else pcap_frames(data)
        tag = EXTRA_TAG_TYPE if "8200" in path.name else 0
        for link_type, frame in frames:
            selector = LINK_TYPES.index(link_type) \
                if link_type in LINK_TYPES else link_type & 0xFF
            write(corpus / "link",
                  bytes([selector]) + struct.pack(">H", tag) + frame)


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""Writes the seed corpora (fuzz/corpus/<target>/) from the repository's own examples.

Run from the repository root: python3 fuzz/make-seeds.py. The fuzzer then grows and
`cargo fuzz cmin` minimizes the corpora; what is committed is replayed by
tests/it/fuzz_replay.rs on stable. Each file's first byte selects a mode where the
entry point has modes (see src/fuzzing.rs)."""
import glob, hashlib, io, json, os, struct, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")


def put(target, data, name=None):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = name or hashlib.sha1(data).hexdigest()
    open(os.path.join(d, name), "wb").write(data)


def read(p):
    return open(os.path.join(ROOT, p), "rb").read()


# item: 0x00 JSON, 0x01 TOML
items = sorted(glob.glob(os.path.join(ROOT, "deploy/demo/items/*"))) + sorted(glob.glob(os.path.join(ROOT, "tests/data/bad/items/*")))
for p in items:
    put("item", (b"\x00" if p.endswith(".json") else b"\x01") + open(p, "rb").read())
put("item", b"\x00{\"id\": \"x\", \"title\": \"\xe5\x96\x86\", \"body\": [\"a\"], \"status\": \"approved\"}")

# feed: the demo's JSON items in a feed, and broken ones
js = [json.load(open(p)) for p in items if p.endswith(".json") and "broken" not in p]
put("feed", json.dumps({"schema": "yiping.feed/1", "sequence": 7, "generated_at": "2026-12-01T08:00:00+08:00", "items": js}, ensure_ascii=False))
put("feed", json.dumps({"schema": "yiping.feed/1", "sequence": 1, "generated_at": "2026-12-01T08:00:00+08:00", "items": [{"id": "bad"}]}))
put("feed", '{"schema": "yiping.feed/2", "sequence": 1}')
put("feed", "\ufeff" + json.dumps({"schema": "yiping.feed/1", "sequence": 2, "generated_at": "2026-12-01T08:00:00Z", "items": []}))

# config: 0x00 main config, 0x01 playlist
for p in ["deploy/demo/yiping.toml", "deploy/etc/yiping.toml", "tests/data/bad/yiping.toml"] + sorted(glob.glob(os.path.join(ROOT, "deploy/examples/*.toml"))):
    put("config", b"\x00" + read(p))
for p in sorted(glob.glob(os.path.join(ROOT, "playlists/*.toml"))) + ["tests/data/bad/playlists/main.toml", "deploy/etc/playlists/main.toml"]:
    put("config", b"\x01" + read(p))


# bx_reply: frames as a card sends them (A0 00 ack, A0 01 nack), with noise and split points
def crc16(b):
    crc = 0
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def frame(data, dst=0x8000, src=0x0001):
    body = struct.pack("<HH3sBBBBBH", dst, src, b"\0\0\0", 0, 0, 0, 0xFE, 0x02, len(data)) + data
    body += struct.pack("<H", crc16(body))
    esc = bytearray()
    for x in body:
        esc += {0xA5: b"\xa6\x02", 0xA6: b"\xa6\x01", 0x5A: b"\x5b\x02", 0x5B: b"\x5b\x01"}.get(x, bytes([x]))
    return b"\xa5" * 8 + bytes(esc) + b"\x5a"


put("bx_reply", b"\x05" + frame(b"\xa0\x00"))
put("bx_reply", b"\x20" + frame(b"\xa0\x01\x05"))
put("bx_reply", b"\x00noise" + frame(b"\xa0\x00\xa5\x5a\xa6\x5b") + b"\xa5\xa5garbage\x5a")
put("bx_reply", b"\x03" + frame(b"\xa0\x00")[:-3] + b"\x00\x00\x5a")

# evidence: the old-format logs the tests keep, whole and cut
for p in sorted(glob.glob(os.path.join(ROOT, "tests/data/evidence-v0/*.jsonl"))) + sorted(glob.glob(os.path.join(ROOT, "tests/data/console/pre-console-log/*.jsonl"))):
    b = open(p, "rb").read()
    put("evidence", b)
    put("evidence", b[: len(b) * 2 // 3])

# status_path: request targets
for t in ["/healthz", "/status", "/metrics", "/screens/%E9%97%A8%E5%8F%A3/frame.png", "/screens/x/frame.png", "/screens/%E9%97/frame.png", "/nope?x=1", "*"]:
    put("status_path", t)

# fleet_command: 0x00 raw payload, 0x01 a body the box signs
put("fleet_command", b"\x00" + json.dumps({"body": "{}", "minisig": "untrusted comment: x\nRWQ\ntrusted comment: y\nz"}).encode())
for body in [
    {"cmd": "refresh", "site": "fuzz-site", "issued_at": "2026-12-01T00:53:20Z", "nonce": "n1"},
    {"cmd": "screenshot", "site": "*", "issued_at": "2026-12-01T00:53:20Z", "nonce": "n2", "screen": "门口"},
    {"cmd": "urgent", "site": "fuzz-site", "issued_at": "2026-12-01T00:53:20Z", "nonce": "n3", "item": js[-1]},
    {"cmd": "urgent_cancel", "site": "fuzz-site", "issued_at": "2026-12-01T00:53:20Z", "nonce": "used", "id": "x"},
    {"cmd": "reload", "site": "other", "issued_at": "2026-12-01T00:53:20Z", "nonce": "n4"},
]:
    put("fleet_command", b"\x01" + json.dumps(body, ensure_ascii=False).encode())


# xlsx: a minimal workbook (inline strings, a number format) and a damaged one
def xlsx(rows):
    def cell(r, c, v):
        ref = chr(65 + c) + str(r + 1)
        if isinstance(v, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
        return f'<c r="{ref}" s="1"><v>{v}</v></c>'
    sheet = "".join(f'<row r="{r + 1}">' + "".join(cell(r, c, v) for c, v in enumerate(row)) + "</row>" for r, row in enumerate(rows))
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="低保" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": '<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet}</sheetData></worksheet>',
    }
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for n, t in files.items():
            z.writestr(n, t)
    return b.getvalue()


good = xlsx([["姓名", "金额"], ["张喆", 1260.5], ["李堃", 12345678901234567]])
put("xlsx", good)
put("xlsx", xlsx([["只有标题"]]))
put("xlsx", good[: len(good) // 2])

#!/usr/bin/env python3
"""Runs the app (the command after --) and checks the files it exported. Standard library only.

    check_export.py png-equals-screen --screenshot S.png --export E.png -- APP ARGS...
        The 1x PNG export of the view in front must equal, pixel for pixel, the same region of the
        window's screenshot taken in the same frame (the app prints the region's origin).
    check_export.py svg --svg F.svg --kind heatmap|grid|headview -- APP ARGS...
        The SVG must parse as XML and hold one cell per heatmap entry: S*S for the heatmap,
        L*H*S*S for the grid (S = tokens shown, from the app's report), lines for the head view.
    check_export.py svg --svg F.svg --kind compare|rollout --panels N -- APP ARGS...
        N panels of S*S cells (compare: a pinned head each, with its statistics under it; rollout:
        layer mean, rollout, flow on every token, so run it without hidden tokens).
    check_export.py svg --svg F.svg --kind diff|models -- APP ARGS...
        A (S*S), B (S_B*S_B, from the app's sentence B / model B report) and, when the report says
        the difference is shown, A - B (S*S).
    check_export.py svg --svg F.svg --kind models-rollout -- APP ARGS...
        The Two models view in rollout mode: A's rollout (U*U, U = A's units from the app's
        "models view: rollout ..." report), B's (U_B*U_B) and, when the report says the
        difference is shown, A - B (U*U); otherwise the reason, as on screen.
    check_export.py svg --svg F.svg --kind search -- APP ARGS...
        One L*H map of the heads and the top ten as text.
    With --selected-token N (a shown row) and --selected-head L:H, the SVG must mark the app's
    selection as the view does: the token's row outlined in every panel (heatmap, compare,
    rollout; two models' rollouts: A and A - B, and B when the tokens align), marked beside every
    head (grid) or highlighted in the query column (head view); the head outlined around its
    thumbnail (grid) or its cell (search). Without --selected-token there must be no token marks.
    check_export.py trace --file F.json|F.npz|F.csv -- APP ARGS...
        The saved trace must parse and have the app's sizes.

Exit 0 on success; 1 with a message on failure.
"""

import argparse
import ast
import csv
import io
import json
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
import zlib


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run_app(command):
    proc = subprocess.run(command, capture_output=True, timeout=120)
    out = proc.stdout.decode("utf-8", errors="replace")
    err = proc.stderr.decode("utf-8", errors="replace")
    sys.stdout.write(out)
    sys.stderr.write(err)
    check(proc.returncode == 0, f"the app exited {proc.returncode}")
    check("error panel" not in err, "the app showed an error panel")
    return out


def report(out):
    """(tokens shown, layers, heads) from 'model M, T tokens (S shown), L x H heads'."""
    m = re.search(r"(\d+) tokens \((\d+) shown\), (\d+) x (\d+) heads", out)
    check(m is not None, "no model report in the app's output")
    return int(m.group(2)), int(m.group(3)), int(m.group(4))


# [SECTION] PNG decoding (8-bit RGB / RGBA, as stb_image_write writes it)

def read_png(path):
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            check(depth == 8 and color in (2, 6) and interlace == 0,
                  f"{path}: unsupported PNG (depth {depth}, colour type {color})")
            channels = 4 if color == 6 else 3
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xFF
            elif f == 2:
                line[x] = (line[x] + b) & 0xFF
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def png_equals_screen(args, out):
    m = re.search(r"exported \w+ view (\d+)x(\d+) at (-?\d+),(-?\d+)", out)
    check(m is not None, "no export report in the app's output")
    w, h, x0, y0 = map(int, m.groups())
    sw, sh, sc, screen = read_png(args.screenshot)
    ew, eh, ec, export = read_png(args.export)
    check((ew, eh) == (w, h), f"export is {ew}x{eh}, the app said {w}x{h}")
    check(sc == ec == 4, "expected RGBA PNGs")
    check(0 <= x0 and x0 + w <= sw and 0 <= y0 and y0 + h <= sh,
          f"region {w}x{h} at {x0},{y0} is outside the {sw}x{sh} screenshot")
    for name, image in (("export", export), ("screenshot", screen)):
        check(all(px == 255 for row in image for px in row[3::4]),
              f"the {name} has transparent pixels (alpha < 255)")
    differing, first = 0, None
    for y in range(h):
        a = screen[y0 + y][x0 * 4:(x0 + w) * 4]
        b = export[y]
        if a != b:
            for x in range(w):
                if a[x * 4:x * 4 + 4] != b[x * 4:x * 4 + 4]:
                    differing += 1
                    if first is None:
                        first = (x, y, tuple(a[x * 4:x * 4 + 4]), tuple(b[x * 4:x * 4 + 4]))
    if differing:
        raise Failure(f"{differing} of {w * h} pixels differ; first at {first[:2]}: "
                      f"screen {first[2]}, export {first[3]}")
    distinct = {export[y][x * 4:x * 4 + 3] for y in range(0, h, 7) for x in range(0, w, 7)}
    check(len(distinct) > 20, f"the export is nearly blank ({len(distinct)} colours)")
    print(f"check_export: {w}x{h} pixels at {x0},{y0} equal in the export and the screenshot")


def report_b(out, what):
    """(tokens shown, difference shown) of B from 'WHAT, T tokens (S shown), ..., difference'."""
    m = re.search(what + r"[^\n]*?, (\d+) tokens \((\d+) shown\)[^\n]*", out)
    check(m is not None, f"no '{what}' report in the app's output")
    return int(m.group(2)), "difference A - B shown" in m.group(0)


def report_models_rollout(out):
    """(A's units, B's units, difference shown, the rest of the line) from the app's
    'models view: rollout of A after layer X and of B after layer Y, U and U_B units, ...'."""
    m = re.search(r"models view: rollout of A after layer \S+ and of B after layer \S+, "
                  r"(\d+) and (\d+) units, ([^\n]*)", out)
    check(m is not None, "no 'models view: rollout' report in the app's output")
    rest = m.group(3)
    return int(m.group(1)), int(m.group(2)), rest == "difference A - B shown", rest


def expected_panels(args, out, shown, n_layer, n_head):
    """The cells of each <g class="panel">, in order, for the panel kinds."""
    if args.kind in ("compare", "rollout"):
        check(args.panels, f"--kind {args.kind} needs --panels")
        return [shown * shown] * args.panels
    if args.kind in ("diff", "models"):
        shown_b, difference = report_b(out, "sentence B" if args.kind == "diff" else "model B")
        return [shown * shown, shown_b * shown_b] + ([shown * shown] if difference else [])
    if args.kind == "models-rollout":
        units_a, units_b, difference, _ = report_models_rollout(out)
        return [units_a * units_a, units_b * units_b] + ([units_a * units_a] if difference else [])
    return [n_layer * n_head]  # search


def svg(args, out):
    shown, n_layer, n_head = report(out)
    root = ET.parse(args.svg).getroot()  # raises on malformed XML
    ns = "{http://www.w3.org/2000/svg}"
    check(root.tag == ns + "svg", f"root element is {root.tag}")
    rects = root.findall(f".//{ns}rect")
    cells = [r for r in rects if r.get("class") == "cell"]
    lines = root.findall(f".//{ns}line")
    texts = root.findall(f".//{ns}text")
    if args.kind in ("compare", "rollout", "diff", "models", "models-rollout", "search"):
        want = expected_panels(args, out, shown, n_layer, n_head)
        panels = [g for g in root.iter(ns + "g") if g.get("class") == "panel"]
        got = [len([r for r in g.findall(ns + "rect") if r.get("class") == "cell"]) for g in panels]
        check(got == want, f"cells per panel {got}, expected {want}")
        check(len(cells) == len(rects) == sum(want),
              f"{len(rects)} rects, {len(cells)} cells, expected {sum(want)}")
        check(all(re.fullmatch(r"#[0-9a-f]{6}|url\(#masked\)", c.get("fill")) for c in cells),
              "a cell without a colour")
        words = [t.text or "" for t in texts]
        if args.kind == "compare":
            stats = [w for w in words if w.startswith("entropy ")]
            check(len(stats) == args.panels, f"{len(stats)} statistics lines for {args.panels} heads")
        if args.kind == "search":
            top = [w for w in words if re.fullmatch(r"L\d+ H\d+", w)]
            check("Top 10" in words and len(top) == min(10, n_layer * n_head),
                  f"{len(top)} heads listed under 'Top 10'")
        else:
            check(len(texts) >= 2 * shown, f"only {len(texts)} labels for {shown} tokens")
        if args.kind == "models-rollout":
            _, _, difference, reason = report_models_rollout(out)
            check("Two models: attention rollout" in words, "no rollout title")
            check(not any(w.startswith("entropy ") for w in words),
                  "head statistics in the rollout picture")
            # The reason is wrapped over lines: its first words start one of them.
            check(difference or any(len(w) > 20 and reason.startswith(w) for w in words),
                  f"the reason '{reason}' is not in the SVG")
        print(f"check_export: {args.kind} SVG with cells per panel {got}")
    elif args.kind == "heatmap":
        check(len(cells) == len(rects) == shown * shown,
              f"{len(rects)} rects, expected one per cell: {shown} x {shown}")
        labels = [t.text for t in texts]
        check(len(texts) >= 2 * shown, f"only {len(texts)} labels for {shown} tokens")
        check(all(re.fullmatch(r"#[0-9a-f]{6}|url\(#masked\)", c.get("fill")) for c in cells),
              "a cell without a colour")
        print(f"check_export: heatmap SVG with {len(cells)} cells, labels {labels[1:4]}...")
    elif args.kind == "grid":
        want = n_layer * n_head * shown * shown
        check(len(cells) == len(rects) == want, f"{len(rects)} rects, expected {want}")
        print(f"check_export: grid SVG with {len(cells)} cells")
    else:
        check(len(rects) == 0 and len(lines) > 0, f"{len(lines)} lines, {len(rects)} rects")
        for line in lines:
            check(0 < float(line.get("stroke-opacity")) <= 1, "line opacity outside (0, 1]")
        check(len(texts) >= 2 * shown, f"{len(texts)} labels for {shown} tokens")
        print(f"check_export: head view SVG with {len(lines)} lines")
    check_selection(args, root, ns, shown, n_layer, n_head)


def outlines(root, ns, what):
    """Boxes (x0, y0, x1, y1) of the selection marks of class `what`, paths "Mx0 y0Hx1Vy1Hx0Z"."""
    boxes = []
    for path in root.iter(ns + "path"):
        if path.get("class") == what:
            m = re.fullmatch(r"M([-\d.]+) ([-\d.]+)H([-\d.]+)V([-\d.]+)H[-\d.]+Z", path.get("d"))
            check(m is not None, f"a {what} mark that is not a box: {path.get('d')}")
            boxes.append(tuple(float(v) for v in m.groups()))
    return boxes


def cells_box(panel, ns):
    """(x0, y0, x1, y1, cell size) of a <g class="panel">'s cells."""
    cells = [r for r in panel.findall(ns + "rect") if r.get("class") == "cell"]
    xs = [float(r.get("x")) for r in cells]
    ys = [float(r.get("y")) for r in cells]
    size = float(cells[0].get("width"))
    return min(xs), min(ys), max(xs) + size, max(ys) + size, size


def same_box(got, want):
    return all(abs(g - w) < 0.02 for g, w in zip(got, want))  # coordinates have two decimals


def check_selection(args, root, ns, shown, n_layer, n_head):
    panels = [g for g in root.iter(ns + "g") if g.get("class") == "panel"]
    token = args.selected_token
    if token is not None:
        check(0 <= token < shown, f"--selected-token {token}: only {shown} tokens are shown")
        if args.kind in ("heatmap", "compare", "rollout", "models-rollout"):
            marked = panels
            if args.kind == "models-rollout" and len(panels) == 2:
                marked = panels[:1]  # the selection is A's token: B's row only when they align
            rows = outlines(root, ns, "selected-row")
            check(len(rows) == len(marked), f"{len(rows)} row outlines for {len(marked)} panels")
            for panel, got in zip(marked, rows):
                x0, y0, x1, _, cell = cells_box(panel, ns)
                want = (x0 - 1, y0 + token * cell - 1, x1 + 1, y0 + (token + 1) * cell + 1)
                check(same_box(got, want), f"row outline {got}, expected {want}")
        elif args.kind == "grid":
            marks = [p for p in root.iter(ns + "path") if p.get("class") == "selected-token"]
            check(len(marks) == n_layer * n_head, f"{len(marks)} token marks for "
                  f"{n_layer * n_head} heads")
        elif args.kind == "headview":
            marks = outlines(root, ns, "selected-token")
            check(len(marks) == 1, f"{len(marks)} highlighted tokens, expected 1")
            queries = [t for t in root.iter(ns + "text") if t.get("text-anchor") == "end"]
            label = queries[token]
            y = float(label.get("y"))
            check(marks[0][1] < y < marks[0][3], f"the highlight {marks[0]} is not on row {token}")
            check(label.get("font-weight") == "bold", f"the label '{label.text}' is not bold")
        print(f"check_export: token {token} marked")
    else:  # no token selected in the app: no token marks
        marked = [p for p in root.iter(ns + "path")
                  if p.get("class") in ("selected-row", "selected-token")]
        check(not marked, f"{len(marked)} token marks, but no token is selected")
    if args.selected_head:
        layer, head = (int(v) for v in args.selected_head.split(":"))
        if args.kind == "grid":
            got = outlines(root, ns, "selected-head")
            check(len(got) == 1, f"{len(got)} head outlines, expected 1")
            x0, y0, x1, y1, _ = cells_box(panels[layer * n_head + head], ns)
            want = (x0 - 2, y0 - 2, x1 + 2, y1 + 2)
        else:  # search: the head's cell in the layers x heads map
            got = outlines(root, ns, "selected-cell")
            check(len(got) == 1, f"{len(got)} cell outlines, expected 1")
            x0, y0, _, _, cell = cells_box(panels[0], ns)
            want = (x0 + head * cell + 1, y0 + layer * cell + 1, x0 + (head + 1) * cell - 1,
                    y0 + (layer + 1) * cell - 1)
        check(same_box(got[0], want), f"head outline {got[0]}, expected {want}")
        print(f"check_export: head {layer}:{head} marked")


def trace(args, out):
    shown, n_layer, n_head = report(out)
    path = args.file
    if path.endswith(".json"):
        doc = json.load(open(path, encoding="utf-8"))
        check(doc["n_layer"] == n_layer and doc["n_head"] == n_head, "sizes")
        T = doc["n_token"]
        check(len(doc["attention"]) == n_layer and len(doc["attention"][0][0]) == T, "shape")
        print(f"check_export: JSON trace {n_layer} x {n_head} x {T} x {T}")
    elif path.endswith(".npz"):
        with zipfile.ZipFile(path) as z:
            check(z.testzip() is None, "bad CRC")
            data = z.read("attention.npy")
        (n,) = struct.unpack("<H", data[8:10])
        header = ast.literal_eval(data[10:10 + n].decode("latin1"))
        shape = tuple(header["shape"])
        check(header["descr"] == "<f4" and shape[:2] == (n_layer, n_head), f"{header}")
        print(f"check_export: npz attention {shape}")
    else:
        rows = list(csv.reader(io.StringIO(open(path, encoding="utf-8", newline="").read())))
        T = len(rows) - 1
        check(T > 0 and all(len(r) == T + 1 for r in rows), "ragged CSV")
        for r in rows[1:]:
            check(abs(sum(float(x) for x in r[1:]) - 1) < 1e-4, f"row {r[0]!r} does not sum to 1")
        print(f"check_export: CSV of one head, {T} x {T}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["png-equals-screen", "svg", "trace"])
    parser.add_argument("--screenshot")
    parser.add_argument("--export")
    parser.add_argument("--svg")
    parser.add_argument("--kind", choices=["heatmap", "grid", "headview", "compare", "diff",
                                           "models", "models-rollout", "search", "rollout"])
    parser.add_argument("--panels", type=int)
    parser.add_argument("--selected-token", type=int)
    parser.add_argument("--selected-head")
    parser.add_argument("--file")
    argv = sys.argv[1:]
    if "--" not in argv:
        parser.error("give the app's command after --")
    split = argv.index("--")
    args = parser.parse_args(argv[:split])
    command = argv[split + 1:]
    try:
        out = run_app(command)
        {"png-equals-screen": png_equals_screen, "svg": svg, "trace": trace}[args.mode](args, out)
    except (Failure, ET.ParseError, OSError, KeyError, ValueError) as e:
        print(f"check_export: FAILED: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

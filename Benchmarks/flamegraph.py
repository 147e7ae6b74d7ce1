"""Turns `perf script` output (stacks of a `perf record -g` run, demangled) into a flame graph
(SVG, root at the bottom, a frame's width its share of the samples) and prints the frames that
hold the most samples, inclusive and self.

    perf script -i perf.data | swift demangle --simplified | python3 Benchmarks/flamegraph.py TITLE OUT.svg [FOCUS]

With FOCUS (the start of a frame's name), it also prints the frames below that one, by samples.
"""
import html
import re
import sys
from collections import Counter, defaultdict

WIDTH, ROW, FONT = 1200, 16, 11


def stacks(lines):
    """Each sample's frames, root first."""
    frames = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                yield list(reversed(frames))
            frames = []
        elif line.startswith(("\t", " ")):
            match = re.match(r"\s*[0-9a-f]+\s+(.*?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)$", line)
            if match:
                symbol, dso = match.groups()
                frames.append(symbol if symbol != "[unknown]" else "[" + dso.rsplit("/", 1)[-1] + "]")
    if frames:
        yield list(reversed(frames))


def short(symbol, limit=160):
    symbol = re.sub(r"\s+", " ", symbol)
    return symbol if len(symbol) <= limit else symbol[: limit - 1] + "…"


def main():
    title, out = sys.argv[1], sys.argv[2]
    folded = Counter(tuple(short(frame) for frame in stack) for stack in stacks(sys.stdin))
    total = sum(folded.values())
    if not total:
        sys.exit("flamegraph.py: no samples in the input")

    tree = lambda: {"count": 0, "children": defaultdict(tree)}  # noqa: E731
    root = tree()
    inclusive, own = Counter(), Counter()
    for stack, count in folded.items():
        node = root
        node["count"] += count
        for frame in stack:
            node = node["children"][frame]
            node["count"] += count
        for frame in set(stack):
            inclusive[frame] += count
        if stack:
            own[stack[-1]] += count

    rects = []

    def place(node, x, depth):
        for name, child in sorted(node["children"].items()):
            width = child["count"] / total * WIDTH
            if width >= 0.3:
                rects.append((x, depth, width, name, child["count"]))
                place(child, x, depth + 1)
            x += width

    place(root, 0.0, 0)
    depth = max((rect[1] for rect in rects), default=0) + 1
    height = (depth + 3) * ROW
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="monospace" font-size="{FONT}">',
        f'<text x="4" y="{ROW}" font-size="{FONT + 2}">{html.escape(title)} — {total} samples</text>',
    ]
    for x, level, width, name, count in rects:
        y = height - (level + 1) * ROW
        hue = 20 + sum(name.encode()) % 40
        label = html.escape(name)
        share = f"{count / total:.1%}"
        parts.append(
            f'<g><title>{label} ({count} samples, {share})</title>'
            f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{ROW - 1}" fill="hsl({hue},80%,60%)"/>'
        )
        chars = int(width / (FONT * 0.62))
        if chars >= 4:
            text = name if len(name) <= chars else name[: chars - 1] + "…"
            parts.append(f'<text x="{x + 2:.1f}" y="{y + ROW - 4}">{html.escape(text)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    with open(out, "w") as file:
        file.write("\n".join(parts))

    print(f"{title}: {total} samples; flame graph in {out}")
    print("most samples, inclusive:")
    for frame, count in inclusive.most_common(25):
        print(f"  {count / total:6.1%}  {frame}")
    print("most samples, self:")
    for frame, count in own.most_common(15):
        print(f"  {count / total:6.1%}  {frame}")
    if len(sys.argv) > 3:
        focus, below = sys.argv[3], Counter()
        for stack, count in folded.items():
            index = next((i for i, frame in enumerate(stack) if frame.startswith(focus)), None)
            if index is not None:
                for frame in set(stack[index + 1:]):
                    below[frame] += count
        print(f"below {focus}, inclusive:")
        for frame, count in below.most_common(30):
            print(f"  {count / total:6.1%}  {frame}")


if __name__ == "__main__":
    main()

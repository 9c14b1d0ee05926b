"""The comparison the benchmark exists for: the HTTP transfer rate (and CPU per transfer) as a
share of the raw-SQL transaction rate, and the floor's share."""

from __future__ import annotations

TARGET = 0.15  # issue 14 (restating issue 3's 25%): the HTTP path at >= 15% of the raw-SQL rate
P99_TARGET_MS = 150.0  # issue 14: at 16 clients


def comparison(http: dict, raw: dict, floor: dict | None) -> dict:
    """Print the RESULT lines; the figures they add to the JSON."""
    rate, raw_rate = http["rate"], raw["rate"]
    ratio = rate / raw_rate if raw_rate else float("nan")
    print(f"RESULT: HTTP {rate:.1f} transfers/s vs raw SQL {raw_rate:.1f}/s = {100 * ratio:.1f}% "
          f"(target >= {100 * TARGET:.0f}%) {'MET' if ratio >= TARGET else 'NOT MET'}")
    print(f"  by CPU cost per operation (less sensitive to other load on the machine): HTTP is "
          f"{100 * raw['cost'] / http['cost']:.1f}% of raw SQL")
    p99 = http["figures"]["p99_ms"]
    print(f"  p99 {p99:.1f} ms (target <= {P99_TARGET_MS:.0f} ms at 16 clients) {'MET' if p99 <= P99_TARGET_MS else 'NOT MET'}")
    figures = {"cost_ratio": round(raw["cost"] / http["cost"], 3), "ratio": round(ratio, 3)}
    if floor is not None:
        print(f"  floor: an authenticated GET /api/accounts/me ran at {floor['rate']:.1f}/s = "
              f"{100 * floor['rate'] / raw_rate:.1f}% of raw SQL (by CPU per operation "
              f"{100 * raw['cost'] / floor['cost']:.1f}%): no endpoint of this stack "
              f"that authenticates can exceed it")
        figures["floor_ratio"] = round(floor["rate"] / raw_rate, 3)
    return figures

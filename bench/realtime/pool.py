#!/usr/bin/env python3
"""Pools several runs of bench/realtime/run.sh and compares each of ours with a peer turn by turn.

  bench/realtime/pool.py 2026-12-07T0919Z 2026-12-07T1022Z ...      (stamps of results/<stamp>/)
  bench/realtime/pool.py --peer ws --rates 5,10,20,40,80 <stamps>

One run's medians of three repeats swing either way by more than what separates two servers (the machine has slow
spells). Two reports that do not:
- Pooled: per server and rate, the median over every repeat of every run given, with the middle half of the repeats.
- Paired: each repeat of ours against the peer's turn of the same repeat in the same run (the turns run back to back,
  so they share the hour), the median of the differences (ours minus the peer's) with a bootstrap 95% interval, how
  many pairs ours was at least as good in, and the two-sided sign test's p. A difference is told from nothing only
  where the interval leaves out zero, and only from 10 pairs on (one run of three repeats is not enough).
"""
import argparse
import glob
import json
import math
import os
import random
import statistics

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
OURS = ["agents-ws", "agents-json", "agents-msgpack"]
# A bootstrap of a handful of pairs gives an interval far narrower than the turns' spread: no verdict below this.
MIN_PAIRS = 10
# The step figures where more is better; every other one (latencies) is better lower.
HIGHER_IS_BETTER = {"deliveries_per_second", "deliveries_per_cpu_second", "websocket_messages_per_cpu_second"}


def read_runs(stamps):
    """(server, rate) -> {(stamp, repeat): step}, from every turn file of the runs."""
    steps = {}
    for stamp in stamps:
        files = sorted(glob.glob(os.path.join(RESULTS, stamp, "*.json")))
        if not files:
            raise SystemExit(f"no turn files in {os.path.join(RESULTS, stamp)}/")
        for path in files:
            # <repeat>-<slot>-<server>.json
            repeat, _, server = os.path.basename(path)[: -len(".json")].split("-", 2)
            for step in json.load(open(path))["steps"]:
                steps.setdefault((server, step["rate"]), {})[(stamp, repeat)] = step
    return steps


def quartiles(values):
    if len(values) < 4:
        return min(values), max(values)
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def sign_test(wins, n):
    k = min(wins, n - wins)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)


def bootstrap_median(diffs, rounds=10000):
    rng = random.Random(8)
    medians = sorted(statistics.median(rng.choices(diffs, k=len(diffs))) for _ in range(rounds))
    return medians[int(rounds * 0.025)], medians[int(rounds * 0.975) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stamps", nargs="+")
    parser.add_argument("--peer", default="ws")
    parser.add_argument("--rates", default="5,10,20,40,80")
    parser.add_argument("--key", default="p99_ms", help="the step figure compared (p99_ms, p50_ms, first_copy_p99_ms...)")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    steps = read_runs(args.stamps)
    servers = [s for s in dict.fromkeys(OURS + [args.peer]) if any((s, r) in steps for r in rates)]

    print(f"Pooled over {len(args.stamps)} runs: median {args.key} (middle half), deliveries per CPU-second, repeats")
    for rate in rates:
        cells = []
        for server in servers:
            turns = list(steps.get((server, rate), {}).values())
            if not turns:
                cells.append(f"{server}: -")
                continue
            values = [t[args.key] for t in turns]
            low, high = quartiles(values)
            per_cpu = statistics.median(t["deliveries_per_cpu_second"] for t in turns)
            cells.append(f"{server}: {statistics.median(values):.1f} ({low:.1f}-{high:.1f}), {per_cpu / 1000:.1f}k, n={len(turns)}")
        print(f"  {rate}/s  " + "; ".join(cells))

    higher_is_better = args.key in HIGHER_IS_BETTER
    better = 1 if higher_is_better else -1  # the sign of a difference in ours' favour
    unit = "" if higher_is_better else " ms"
    print(f"\nPaired with {args.peer} (same run, same repeat): {args.key} difference, ours minus {args.peer}"
          f" ({'more' if higher_is_better else 'less'} is better)")
    for server in [s for s in servers if s != args.peer]:
        for rate in rates:
            ours, peer = steps.get((server, rate), {}), steps.get((args.peer, rate), {})
            pairs = [key for key in ours if key in peer]
            if not pairs:
                continue
            diffs = [ours[key][args.key] - peer[key][args.key] for key in pairs]
            low, high = bootstrap_median(diffs)
            wins = sum(1 for d in diffs if d * better >= 0)
            if len(diffs) < MIN_PAIRS:
                verdict = f"too few pairs to tell (under {MIN_PAIRS})"
            elif low * better > 0 and high * better > 0:
                verdict = "ahead"
            elif low * better < 0 and high * better < 0:
                verdict = "behind"
            else:
                verdict = "not told apart"
            print(f"  {server} {rate}/s: {statistics.median(diffs):+.1f}{unit} (95% {low:+.1f} to {high:+.1f}), "
                  f"at least as good in {wins} of {len(diffs)}, sign test p={sign_test(wins, len(diffs)):.2f}: {verdict}")


if __name__ == "__main__":
    main()

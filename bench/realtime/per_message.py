#!/usr/bin/env python3
"""Lays one step's per-message timings over a scheduler trace of the server core: what ran there while each message
was on its way, and what ran between messages. See README, "Where a message's time goes".

  perf record -e sched:sched_switch -C 1 -k CLOCK_MONOTONIC -o sched.data   # while the bench runs, LoadGen given
                                                                              # --dump-messages /tmp/m
  perf script -i sched.data -F comm,pid,tid,time,trace > sched.txt
  bench/realtime/per_message.py sched.txt /tmp/m-3.txt [--slowest 8] [--timeline 50,51]

A message's window runs from the time it was meant to be sent to its last copy (at rates where windows overlap, the
time between messages is undercounted). Both files use CLOCK_MONOTONIC.
"""
import argparse
import bisect
import collections
import re

SWITCH = re.compile(r"\s*(.*?)\s+(\d+)/(\d+)\s+([\d.]+):.*next_comm=(.*?) next_pid=(\d+)")


def read_trace(path):
    """(start, end, 'pid:thread') for every stretch a thread ran on the core, in time order (pid 0 is idle)."""
    switches = []
    with open(path) as trace:
        for line in trace:
            match = SWITCH.match(line)
            if match:
                switches.append((float(match.group(4)), int(match.group(2)), match.group(1)))
    switches.sort()
    return [(a[0], b[0], f"{b[1]}:{b[2]}") for a, b in zip(switches, switches[1:])]


def read_timings(path):
    """(index, intended, first copy, last copy) in seconds, from LoadGen's --dump-messages file."""
    with open(path) as timings:
        rows = [line.split() for line in timings if line.strip() and not line.startswith("#")]
    return [(int(i), int(t) / 1e9, int(f) / 1e9, int(last) / 1e9) for i, t, f, last in rows]


def usage(stretches, starts, t0, t1):
    """ms each thread ran between t0 and t1."""
    used = collections.Counter()
    j = max(0, bisect.bisect_left(starts, t0) - 1)
    while j < len(stretches) and stretches[j][0] < t1:
        a, b, who = stretches[j]
        overlap = min(b, t1) - max(a, t0)
        if overlap > 0:
            used[who] += overlap * 1000
        j += 1
    return used


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trace")
    parser.add_argument("timings")
    parser.add_argument("--slowest", type=int, default=8, help="show what ran during the N slowest messages")
    parser.add_argument("--timeline", default="", help="comma list of message indexes: each stretch on the core up to the first copy")
    args = parser.parse_args()
    stretches = read_trace(args.trace)
    starts = [s[0] for s in stretches]
    messages = read_timings(args.timings)
    begin, end = messages[0][1], max(m[3] for m in messages)

    inside = collections.Counter()
    for _, intended, _, last in messages:
        inside.update(usage(stretches, starts, intended, last))
    whole = usage(stretches, starts, begin, end)
    in_windows = sum(last - intended for _, intended, _, last in messages)
    between_seconds = (end - begin) - in_windows
    print(f"{len(messages)} messages over {end - begin:.1f} s; {in_windows:.2f} s of it inside a message's window")
    print("on the core per message, inside its window (ms):")
    for who, ms in inside.most_common(8):
        print(f"  {ms / len(messages):7.2f}  {who}")
    print("on the core between messages (ms per second):")
    for who, ms in (whole - inside).most_common(10):
        if not who.startswith("0:"):
            print(f"  {ms / between_seconds:7.2f}  {who}")

    first = sorted((f - t) * 1000 for _, t, f, _ in messages)
    spread = sorted((last - f) * 1000 for _, _, f, last in messages)
    pick = lambda values, q: values[min(len(values) - 1, int(len(values) * q))]
    print(f"first copy p50 {pick(first, .5):.2f} p99 {pick(first, .99):.2f} ms; spread p50 {pick(spread, .5):.2f} p99 {pick(spread, .99):.2f} ms")
    print(f"the {args.slowest} slowest messages (intended send to last copy), with what ran meanwhile (ms):")
    for index, intended, first_copy, last in sorted(messages, key=lambda m: m[1] - m[3])[:args.slowest]:
        ran = usage(stretches, starts, intended, last)
        print(f"  #{index}: {(last - intended) * 1000:.1f} (first copy {(first_copy - intended) * 1000:.2f})  "
              + ", ".join(f"{who} {ms:.2f}" for who, ms in ran.most_common(5)))

    for index in (int(i) for i in args.timeline.split(",") if i):
        _, intended, first_copy, last = next(m for m in messages if m[0] == index)
        print(f"#{index}: first copy +{(first_copy - intended) * 1000:.2f} ms, last +{(last - intended) * 1000:.2f} ms")
        j = max(0, bisect.bisect_left(starts, intended) - 1)
        while j < len(stretches) and stretches[j][0] < first_copy:
            a, b, who = stretches[j]
            print(f"  +{(a - intended) * 1000:7.3f} ms  {(b - a) * 1000:6.3f} ms  {who}")
            j += 1


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Lays one step's per-message timings over a scheduler trace of the server core: what ran there while each message
was on its way, and what ran between messages. See bench/realtime/README.md, "Where a message's time goes".

  perf record -e sched:sched_switch -e cpu-clock -c 100000 -C 1 -k CLOCK_MONOTONIC -o sched.data
      # while the bench runs, LoadGen given --dump-messages /tmp/m; -e cpu-clock -c 100000 is optional (see below)
  perf script -i sched.data -F comm,pid,tid,time,event,trace > sched.txt
  bench/realtime/per_message.py sched.txt /tmp/m-3.txt [--slowest 8] [--timeline 50,51]

A message's window runs from the time it was meant to be sent to its last copy (at rates where windows overlap, the
time between messages is undercounted); only the messages whose window is inside the trace are counted. Both files use
CLOCK_MONOTONIC.

With cpu-clock samples in the trace (one per 100 µs the core spends, idle included), a gap of more than 0.5 ms between
two samples is time the core did not run at all: the virtual machine's CPU was not given to it. The scheduler trace
cannot show that: it charges such a gap to whichever thread was on the core. The report then says how much of that
there was, in all and inside each of the slowest messages.
"""
import argparse
import bisect
import collections
import re

SWITCH = re.compile(r"\s*(.*?)\s+(\d+)/(\d+)\s+(?:\[\d+\]\s+)?([\d.]+):.*next_comm=(.*?) next_pid=(\d+)")
SAMPLE = re.compile(r"\s*.*?\s+\d+/\d+\s+(?:\[\d+\]\s+)?([\d.]+):\s+cpu-clock")
STALL_SECONDS = 0.0005


def read_trace(path):
    """
    (start, end, 'pid:thread') for every stretch a thread ran on the core, in time order (pid 0 is idle), and
    (start, end) for every stretch with no cpu-clock sample (empty when the trace has no samples).
    """
    switches, samples = [], []
    with open(path) as trace:
        for line in trace:
            if match := SWITCH.match(line):
                switches.append((float(match.group(4)), int(match.group(2)), match.group(1)))
            elif match := SAMPLE.match(line):
                samples.append(float(match.group(1)))
    switches.sort()
    samples.sort()
    stalls = [(a, b) for a, b in zip(samples, samples[1:]) if b - a > STALL_SECONDS]
    return [(a[0], b[0], f"{b[1]}:{b[2]}") for a, b in zip(switches, switches[1:])], stalls


def stalled(stalls, t0, t1):
    """ms between t0 and t1 in which the core did not run."""
    return sum(max(0.0, min(b, t1) - max(a, t0)) for a, b in stalls) * 1000


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
    stretches, stalls = read_trace(args.trace)
    starts = [s[0] for s in stretches]
    messages = [m for m in read_timings(args.timings) if m[1] >= stretches[0][0] and m[3] <= stretches[-1][1]]
    if not messages:
        raise SystemExit("no message's window is inside the trace (were both recorded with CLOCK_MONOTONIC, at the same time?)")
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
    if stalls:
        lengths = sorted((b - a) * 1000 for a, b in stalls)
        print(f"the core did not run {len(stalls)} times for over {STALL_SECONDS * 1000:.1f} ms: {sum(lengths):.1f} ms in all, "
              f"the longest {lengths[-1]:.1f} ms, {sum(1 for x in lengths if x > 2)} over 2 ms")
    print(f"the {args.slowest} slowest messages (intended send to last copy), with what ran meanwhile (ms):")
    for index, intended, first_copy, last in sorted(messages, key=lambda m: m[1] - m[3])[:args.slowest]:
        ran = usage(stretches, starts, intended, last)
        lost = f", not run {stalled(stalls, intended, last):.2f}" if stalls else ""
        print(f"  #{index}: {(last - intended) * 1000:.1f} (first copy {(first_copy - intended) * 1000:.2f}{lost})  "
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

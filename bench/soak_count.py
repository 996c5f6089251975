"""The far end of the soak (bench/soak.sh, tests/it/soak.rs): counts every span the upstream
`serve` saved (`serve --save`, one OTLP/JSON request a line), over the instance that was killed and
the one restarted on the same port, per sender: missing and duplicated, with each duplicate's
first copy placed (at the killed instance, how many requests before its end; or twice at one
instance). Then sets that against what the SDKs reported and what the proxy counted in its own
/metrics, and prints one JSON document (or, with --markdown, the table).

Streaming, bounded memory: one line at a time, and per sender two byte arrays and one int array
as long as the spans it sent.

Usage: python3 soak_count.py --manifest SENDERS.tsv --killed A.jsonl --restarted B.jsonl
       [--proxy-metrics METRICS.txt] [--proxy-summary PROXY.ndjson] [--markdown]
SENDERS.tsv has a line per sender: sdk, sender, spans planned, 1 if it was running when the
upstream was killed (else 0), its exit status, and the file holding its stdout (tab-separated).
"""
import argparse
import json
import sys
from array import array

# Copies are counted up to this per instance (a byte); more is still "duplicated".
MAX_COPIES = 255


def sender_line(fields):
    """The JSON line a sender printed, with `running_at_kill` added; a sender that printed none
    (it crashed, or the global timeout killed it) is a failed sender of the spans it planned."""
    sdk, name, planned, running, status, out = fields
    line = None
    try:
        with open(out, encoding="utf-8", errors="replace") as file:
            for text in file:
                if text.startswith("{"):
                    try:
                        line = json.loads(text)
                    except ValueError:
                        pass
    except FileNotFoundError:
        pass
    if line is None or "soak" not in line:
        line = {
            "sdk": sdk, "sent": {"spans": int(planned)}, "ok": False, "protocol": None,
            "error": f"exited ({status}) without its JSON line", "soak": {"sender": name},
        }
    line["running_at_kill"] = running == "1"
    return line


class Sender:
    def __init__(self, line):
        soak = line.get("soak") or {}
        self.sdk = line.get("sdk", "?")
        self.name = soak.get("sender", "?")
        self.spans = int((line.get("sent") or {}).get("spans", 0))
        self.protocol = line.get("protocol")
        self.ok = bool(line.get("ok"))
        self.error = line.get("error")
        self.flush_failures = int(soak.get("flush_failures", 0))
        self.seconds = soak.get("seconds")
        self.running_at_kill = line.get("running_at_kill")
        # Copies at the killed instance, at the restarted one, and the killed instance's request
        # number of the last copy there (-1: none).
        self.killed = bytearray(self.spans)
        self.restarted = bytearray(self.spans)
        self.killed_request = array("i", [-1]) * self.spans


def span_ids(request):
    """(sender, seq) of every span in one OTLP/JSON request line; None for either when absent."""
    for resource in request.get("resourceSpans") or ():
        for scope in resource.get("scopeSpans") or ():
            for span in scope.get("spans") or ():
                sender = seq = None
                for attribute in span.get("attributes") or ():
                    key = attribute.get("key")
                    if key == "soak.sender":
                        sender = (attribute.get("value") or {}).get("stringValue")
                    elif key == "soak.seq":
                        value = (attribute.get("value") or {}).get("intValue")
                        seq = int(value) if value is not None else None
                yield sender, seq


def read_instance(path, senders, killed, totals):
    """Counts one instance's saved spans; returns how many requests it saved."""
    requests = 0
    try:
        file = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return 0
    with file:
        for line in file:
            try:
                request = json.loads(line)
            except ValueError:
                # A line cut short by the kill: the request was not acknowledged either.
                totals["torn_lines"] += 1
                continue
            if "resourceSpans" not in request:
                continue
            for name, seq in span_ids(request):
                totals["copies"] += 1
                sender = senders.get(name)
                if sender is None or seq is None or not 0 <= seq < sender.spans:
                    totals["foreign"] += 1
                    continue
                counts = sender.killed if killed else sender.restarted
                counts[seq] = min(counts[seq] + 1, MAX_COPIES)
                if killed:
                    sender.killed_request[seq] = requests
            requests += 1
    return requests


def proxy_items(path):
    """Items the proxy counted in /metrics, by (fate, upstream status), for traces."""
    items = {}
    if not path:
        return None
    with open(path, encoding="utf-8") as file:
        for line in file:
            if not line.startswith("otlp_doctor_proxy_items_total{"):
                continue
            labels, _, value = line.rpartition(" ")
            fields = dict(
                part.split("=", 1) for part in labels[labels.index("{") + 1 : labels.rindex("}")].split(",")
            )
            fields = {k: v.strip('"') for k, v in fields.items()}
            if fields.get("signal") != "traces":
                continue
            key = (fields.get("fate"), fields.get("status"))
            items[key] = items.get(key, 0) + int(float(value))
    return items


def proxy_summary(path):
    """The traces totals of the proxy's summary line."""
    if not path:
        return None
    summary = None
    with open(path, encoding="utf-8") as file:
        for line in file:
            if '"kind":"summary"' in line:
                summary = json.loads(line)
    return ((summary or {}).get("signals") or {}).get("traces")


def count(args):
    senders = {}
    with open(args.manifest, encoding="utf-8") as file:
        for text in file:
            if text.strip():
                sender = Sender(sender_line(text.rstrip("\n").split("\t")))
                senders[sender.name] = sender
    totals = {"copies": 0, "foreign": 0, "torn_lines": 0}
    killed_requests = read_instance(args.killed, senders, True, totals)
    restarted_requests = read_instance(args.restarted, senders, False, totals)

    sdks = {}
    per_sender = []
    for sender in senders.values():
        row = sdks.setdefault(sender.sdk, {
            "senders": 0, "sent": 0, "received": 0, "unique": 0, "missing": 0, "duplicated": 0,
            "duplicated_across_kill": 0, "duplicated_same_instance": 0,
            "senders_reporting_failure": 0, "flush_failures": 0, "running_at_kill": 0,
            "seconds_max": 0.0, "protocols": [], "errors": [],
        })
        row["senders"] += 1
        row["sent"] += sender.spans
        row["flush_failures"] += sender.flush_failures
        row["running_at_kill"] += int(bool(sender.running_at_kill))
        row["seconds_max"] = max(row["seconds_max"], float(sender.seconds or 0))
        if sender.protocol not in row["protocols"]:
            row["protocols"].append(sender.protocol)
        if not sender.ok:
            row["senders_reporting_failure"] += 1
            if len(row["errors"]) < 3 and sender.error:
                row["errors"].append(f"{sender.name}: {sender.error[:300]}")
        last_request_distance = row.setdefault("across_kill_max_requests_before_end", None)
        before = row["missing"], row["duplicated"]
        for seq in range(sender.spans):
            a, b = sender.killed[seq], sender.restarted[seq]
            copies = a + b
            row["received"] += copies
            if copies == 0:
                row["missing"] += 1
                continue
            row["unique"] += 1
            if copies == 1:
                continue
            row["duplicated"] += copies - 1
            if a == 1 and b == 1:
                # First copy saved by the instance that was killed, again after the restart: a
                # request the killed instance saved but never answered, retried by the SDK.
                row["duplicated_across_kill"] += 1
                distance = killed_requests - 1 - sender.killed_request[seq]
                if last_request_distance is None or distance > last_request_distance:
                    last_request_distance = distance
            else:
                row["duplicated_same_instance"] += copies - 1
        row["across_kill_max_requests_before_end"] = last_request_distance
        per_sender.append({
            "sender": sender.name, "sdk": sender.sdk, "protocol": sender.protocol, "spans": sender.spans,
            "ok": sender.ok, "running_at_kill": bool(sender.running_at_kill),
            "missing": row["missing"] - before[0], "duplicated": row["duplicated"] - before[1],
        })

    received = sum(row["received"] for row in sdks.values())
    result = {
        "sdks": dict(sorted(sdks.items())),
        "senders": per_sender,
        # Spans missing from senders whose SDK reported every export as done.
        "silently_missing": sum(s["missing"] for s in per_sender if s["ok"]),
        "far_end": {
            "killed_instance_requests": killed_requests,
            "restarted_instance_requests": restarted_requests,
            "span_copies": totals["copies"],
            "foreign_spans": totals["foreign"],
            "torn_lines": totals["torn_lines"],
        },
    }
    items = proxy_items(args.proxy_metrics)
    if items is not None:
        accepted = sum(v for (fate, status), v in items.items() if fate == "forwarded" and status in ("OK", "200"))
        refused = sum(v for (fate, status), v in items.items() if fate == "forwarded" and status not in ("OK", "200"))
        unanswered = sum(v for (fate, _), v in items.items() if fate == "failed")
        other = sum(v for (fate, _), v in items.items() if fate not in ("forwarded", "failed"))
        result["proxy"] = {
            "items_accepted_upstream": accepted,
            "items_refused_upstream": refused,
            "items_unanswered": unanswered,
            "items_not_forwarded": other,
            # Each copy the far end holds went through one forwarding by the proxy: accepted,
            # or sent and never answered (the killed instance saved it, then died).
            "far_end_copies_beyond_forwarded": max(0, received - accepted - unanswered),
            "accepted_minus_far_end": accepted - received,
            # A span lost without its SDK knowing was answered OK through the proxy, so the
            # upstream acknowledged it; if the upstream then did not save it (its queue when
            # SIGKILLed), it is among these at most. More lost silently: the proxy lost them.
            "acknowledged_unsaved_at_most": accepted - received + unanswered,
        }
        summary = proxy_summary(args.proxy_summary)
        if summary is not None:
            result["proxy"]["summary"] = summary
    result["totals"] = {
        key: sum(row[key] for row in sdks.values())
        for key in ("sent", "received", "unique", "missing", "duplicated", "duplicated_across_kill",
                    "duplicated_same_instance", "senders_reporting_failure")
    }
    return result


def markdown(result, extra):
    out = []
    out.append("| SDK | senders (at kill) | protocols | sent | received | missing | duplicated (across kill / same instance) | SDK-reported failures | slowest sender s |")
    out.append("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for sdk, row in result["sdks"].items():
        out.append(
            f"| {sdk} | {row['senders']} ({row['running_at_kill']}) | {', '.join(p or '?' for p in row['protocols'])} "
            f"| {row['sent']} | {row['received']} | {row['missing']} "
            f"| {row['duplicated']} ({row['duplicated_across_kill']} / {row['duplicated_same_instance']}) "
            f"| {row['senders_reporting_failure']} senders, {row['flush_failures']} flushes "
            f"| {row['seconds_max']:.1f} |"
        )
    t = result["totals"]
    out.append(f"| all | | | {t['sent']} | {t['received']} | {t['missing']} | {t['duplicated']} ({t['duplicated_across_kill']} / {t['duplicated_same_instance']}) | {t['senders_reporting_failure']} senders | |")
    out.append("")
    out.append(f"- spans missing from senders whose SDK reported no failure: {result['silently_missing']}")
    far = result["far_end"]
    out.append(f"- far end: the killed instance saved {far['killed_instance_requests']} requests, the restarted one {far['restarted_instance_requests']}; {far['torn_lines']} torn lines, {far['foreign_spans']} spans of no sender")
    for sdk, row in result["sdks"].items():
        if row["duplicated_across_kill"]:
            out.append(f"- {sdk}: every duplicate across the kill had its first copy among the last {row['across_kill_max_requests_before_end'] + 1} requests the killed instance saved")
        for error in row["errors"]:
            out.append(f"- {sdk} reported: `{error}`")
    proxy = result.get("proxy")
    if proxy:
        out.append(
            f"- proxy /metrics: {proxy['items_accepted_upstream']} spans accepted upstream, {proxy['items_unanswered']} unanswered (told to retry), "
            f"{proxy['items_refused_upstream']} refused upstream; far-end copies beyond what the proxy forwarded: {proxy['far_end_copies_beyond_forwarded']}; "
            f"accepted upstream minus far-end copies: {proxy['accepted_minus_far_end']} "
            f"(so at most {proxy['acknowledged_unsaved_at_most']} spans the upstream acknowledged and did not save)"
        )
        summary = proxy.get("summary")
        if summary:
            out.append(f"- proxy summary (traces): {summary.get('requests')} requests, {summary.get('failed')} unanswered, {summary.get('retries')} recognised as an SDK re-sending a payload")
    out.extend(extra)
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--killed", required=True)
    parser.add_argument("--restarted", required=True)
    parser.add_argument("--proxy-metrics")
    parser.add_argument("--proxy-summary")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--note", action="append", default=[], help="a line added under the table")
    parser.add_argument("--run", action="append", default=[], metavar="KEY=NUMBER", help="kept under run in the JSON")
    parser.add_argument("--json", metavar="FILE", help="also write the JSON document to FILE")
    args = parser.parse_args()
    result = count(args)
    result["run"] = {key: float(value) for key, _, value in (item.partition("=") for item in args.run)}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(result, file)
    if args.markdown:
        print(markdown(result, [f"- {note}" for note in args.note]))
    else:
        json.dump(result, sys.stdout)
        print()


if __name__ == "__main__":
    main()

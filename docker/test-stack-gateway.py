#!/usr/bin/env python3
"""What a Livepeer gateway does for one stream, for docker/test-stack (Python 3 standard library
and Debian's ffprobe only).

It starts the stream with POST /stream/start on the sidecar, giving it the trickle channels as the
containers reach them (--inner-trickle), publishes the input segments to the input channel in real
time (each segment spread evenly over its own duration, looped), reads the output and events
channels and sends {"keep":"alive"} on the control channel every 10 s, as go-livepeer does, over
the host's address of the same trickle server (--trickle). --kill-after S runs --kill-cmd S seconds
after the first output byte (then --restart-cmd) and measures when the output resumes. When the
input has ended and the output has been quiet for --drain-s, it sends POST /stream/stop, decodes
every output segment with ffprobe, writes result.json to --out and prints one "key value" line per
measurement. Exit status 1 when a check fails (the reason on stderr), 2 on bad arguments.
"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

KEEPALIVE_S = 10.0
RETRY_S = 0.25


def log(msg):
    print(f"[gateway {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def connect(url, timeout):
    u = urllib.parse.urlsplit(url)
    return u, http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def post_json(url, body, timeout=130):
    u, conn = connect(url, timeout)
    try:
        data = json.dumps(body).encode() if body is not None else b""
        conn.request("POST", u.path, body=data, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        conn.close()


def get_json(url, timeout=10):
    u, conn = connect(url, timeout)
    try:
        conn.request("GET", u.path)
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        conn.close()


def post_segment(url, parts, ctype):
    """POSTs one trickle segment with a chunked body; parts yields the chunks (paced by the caller)."""
    u, conn = connect(url, 30)
    try:
        conn.putrequest("POST", u.path)
        conn.putheader("Content-Type", ctype)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.putheader("Connection", "close")
        conn.endheaders()
        for part in parts:
            if part:
                conn.send(b"%x\r\n" % len(part) + part + b"\r\n")
        conn.send(b"0\r\n\r\n")
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def ffprobe(path, *args):
    out = subprocess.run(["ffprobe", "-v", "error", *args, path], capture_output=True, text=True)
    return out.returncode, out.stdout.strip(), out.stderr.strip()


def video_frames(path):
    """(frames decoded, error text) for one MPEG-TS file: ffprobe decodes every video frame."""
    rc, out, err = ffprobe(path, "-count_frames", "-select_streams", "v:0",
                           "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0")
    try:
        frames = int(out.splitlines()[0].strip(",")) if out else 0
    except ValueError:
        frames = 0
    return frames, ("" if rc == 0 and not err else err or f"ffprobe exit {rc}")


def duration_s(path):
    rc, out, err = ffprobe(path, "-show_entries", "format=duration", "-of", "csv=p=0")
    if rc != 0 or not out:
        raise SystemExit(f"cannot read the duration of {path}: {err}")
    return float(out)


class Gateway:
    def __init__(self, a):
        self.a = a
        self.stop = threading.Event()
        self.input_done = threading.Event()
        self.lock = threading.Lock()
        self.outputs = []  # (seq, first byte time, end time, bytes, file)
        self.events = []
        self.errors = []
        self.kill_t = None
        self.kill_epoch = None
        self.kill_done_t = None
        self.restart_s = None
        self.first_output_t = None
        self.last_output_t = None
        self.segments_in = 0

    def channel(self, base, suffix):
        return f"{base.rstrip('/')}/{self.a.stream}-{suffix}"

    def publish(self, segments):
        url = self.channel(self.a.trickle, "in")
        total = self.a.loops * len(segments)
        t0 = time.monotonic()
        due = 0.0
        for i in range(total):
            if self.stop.is_set():
                break
            data, dur = segments[i % len(segments)]
            start = t0 + due
            n = self.a.chunks

            def parts():
                for j in range(n):
                    wait = start + dur * j / n - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    yield data[len(data) * j // n: len(data) * (j + 1) // n]

            try:
                status = post_segment(f"{url}/{i}", parts(), "video/MP2T")
            except OSError as e:
                status = f"error {e}"
            if status != 200:
                self.errors.append(f"input segment {i}: POST answered {status}")
            self.segments_in = i + 1
            due += dur
        self.input_done.set()
        log(f"input ended: {self.segments_in} segments in {time.monotonic() - t0:.1f} s")

    def subscribe(self, suffix, on_segment):
        """Reads a trickle channel from seq 0 as go-livepeer does: 470 jumps to the latest segment."""
        base = self.channel(self.a.trickle, suffix)
        seq = 0
        while not self.stop.is_set():
            u, conn = connect(f"{base}/{seq}", 30)
            try:
                conn.request("GET", u.path, headers={"Connection": "close"})
                r = conn.getresponse()
                if r.status == 470:
                    seq = int(r.getheader("Lp-Trickle-Latest", seq))
                    r.read()
                    continue
                if r.status != 200:
                    r.read()
                    time.sleep(RETRY_S)
                    continue
                got = int(r.getheader("Lp-Trickle-Seq", seq))
                closed = r.getheader("Lp-Trickle-Closed") is not None
                first, chunks = None, []
                while True:
                    chunk = r.read1(64 * 1024)
                    if not chunk:
                        break
                    if first is None:
                        first = time.monotonic()
                    chunks.append(chunk)
                if chunks:
                    on_segment(got, first, time.monotonic(), b"".join(chunks))
                if closed:
                    return
                seq = got + 1
            except (OSError, http.client.HTTPException, ValueError):
                time.sleep(RETRY_S)
            finally:
                conn.close()

    def on_output(self, seq, first, end, data):
        path = os.path.join(self.a.out, f"out-{len(self.outputs):04d}-seq{seq}.ts")
        with open(path, "wb") as f:
            f.write(data)
        with self.lock:
            self.outputs.append((seq, first, end, len(data), path))
            if self.first_output_t is None:
                self.first_output_t = first
                log(f"first output byte {first - self.start_t:.1f} s after /stream/start")
            self.last_output_t = end

    def on_event(self, seq, first, end, data):
        for line in data.decode(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):  # {"type": ...} or PyTrickle's {"event": {"type": ...}}
                inner = event.get("event")
                kind = event.get("type") or (inner.get("type") if isinstance(inner, dict) else None)
                self.events.append(kind or "?")

    def keepalive(self):
        url = self.channel(self.a.trickle, "control")
        k = 0
        while not self.stop.wait(KEEPALIVE_S):
            try:
                post_segment(f"{url}/{k}", [b'{"keep":"alive"}'], "application/json")
                k += 1
            except OSError:
                pass

    def killer(self):
        while self.first_output_t is None and not self.stop.wait(0.2):
            pass
        if self.stop.wait(self.a.kill_after):
            return
        log(f"killing: {self.a.kill_cmd}")
        self.kill_t = time.monotonic()
        self.kill_epoch = time.time()
        subprocess.run(self.a.kill_cmd, shell=True, check=True)
        self.kill_done_t = time.monotonic()
        if self.a.restart_cmd:
            subprocess.run(self.a.restart_cmd, shell=True, check=True)
            self.restart_s = time.monotonic() - self.kill_done_t
            log(f"restarted in {self.restart_s:.1f} s: {self.a.restart_cmd}")

    def run(self):
        a = self.a
        os.makedirs(a.out, exist_ok=True)
        segments = []
        frames_in_per_loop = 0
        for path in a.segments:
            with open(path, "rb") as f:
                segments.append((f.read(), duration_s(path)))
            frames_in_per_loop += video_frames(path)[0]
        inner = {s: self.channel(a.inner_trickle, s) for s in ("in", "out", "control", "events")}
        request = {
            "subscribe_url": inner["in"], "publish_url": inner["out"],
            "control_url": inner["control"], "events_url": inner["events"],
            "gateway_request_id": a.stream, "params": {"width": a.width, "height": a.height, "max_framerate": a.max_framerate},
        }
        threads = [threading.Thread(target=self.subscribe, args=("out", self.on_output), daemon=True),
                   threading.Thread(target=self.subscribe, args=("events", self.on_event), daemon=True)]
        for t in threads:
            t.start()
        self.start_t = time.monotonic()
        status, body = post_json(f"{a.sidecar}/stream/start", request)
        log(f"/stream/start: {status} {body[:200]}")
        if status != 200:
            self.stop.set()
            return self.fail(f"/stream/start answered {status}: {body}")
        more = [threading.Thread(target=self.publish, args=(segments,), daemon=True),
                threading.Thread(target=self.keepalive, daemon=True)]
        if a.kill_after is not None:
            more.append(threading.Thread(target=self.killer, daemon=True))
        for t in more:
            t.start()
        self.input_done.wait()
        # Drained: the output has been quiet for drain_s (or never came).
        while True:
            with self.lock:
                last = self.last_output_t or self.start_t
            if time.monotonic() - max(last, self.start_t) >= a.drain_s:
                break
            time.sleep(0.5)
        _, health_during = get_json(f"{a.sidecar}/health")
        stop_status, stop_body = post_json(f"{a.sidecar}/stream/stop", None)
        log(f"/stream/stop: {stop_status} {stop_body[:200]}")
        self.stop.set()
        return self.report(frames_in_per_loop * a.loops, stop_status, stop_body, health_during)

    def fail(self, why):
        print(f"FAILED: {why}", file=sys.stderr)
        return 1

    def report(self, frames_in, stop_status, stop_body, health_during):
        a = self.a
        with self.lock:
            outputs = list(self.outputs)
        before = after = frames_before = frames_after = 0
        bad = []
        first_after = None
        for seq, first, end, size, path in outputs:
            frames, err = video_frames(path)
            started_after = self.kill_done_t is not None and first > self.kill_done_t
            in_flight = self.kill_t is not None and first <= self.kill_done_t <= end + 1.0
            if err and not in_flight:
                bad.append(f"{os.path.basename(path)}: {err.splitlines()[0]}")
            if started_after:
                after += 1
                frames_after += frames
                if first_after is None and frames > 0:
                    first_after = first
            else:
                before += 1
                frames_before += frames
        result = {
            "segments_in": self.segments_in, "frames_in": frames_in,
            "segments_out": len(outputs), "frames_out": frames_before + frames_after,
            "frames_out_before_kill": frames_before, "frames_out_after_kill": frames_after,
            "segments_out_after_kill": after, "decode_errors": bad,
            "first_output_s": None if self.first_output_t is None else round(self.first_output_t - self.start_t, 2),
            "resume_s": None if first_after is None else round(first_after - self.kill_t, 2),
            "restart_cmd_s": None if self.restart_s is None else round(self.restart_s, 2),
            "kill_epoch": self.kill_epoch,
            "stop_status": stop_status, "events": sorted(set(self.events)), "errors": self.errors,
        }
        with open(os.path.join(a.out, "result.json"), "w") as f:
            json.dump(result, f, indent=2)
        for k in ("segments_in", "frames_in", "segments_out", "frames_out", "frames_out_before_kill",
                  "frames_out_after_kill", "first_output_s", "resume_s", "kill_epoch", "stop_status"):
            print(k, result[k])
        print("events", ",".join(result["events"]) or "-")
        problems = []
        if not outputs:
            problems.append("no output segment arrived")
        if frames_before == 0:
            problems.append("no output frame decoded before the kill")
        if bad:
            problems.append(f"{len(bad)} output segment(s) do not decode: {bad[:3]}")
        if a.kill_after is not None:
            if self.kill_t is None:
                problems.append("the input ended before the kill (raise --loops or lower --kill-after)")
            elif after < a.min_segments_after:
                problems.append(f"{after} output segment(s) after the kill, {a.min_segments_after} needed: "
                                "the stream did not resume")
        if stop_status != 200:
            problems.append(f"/stream/stop answered {stop_status}: {stop_body}")
        if self.errors:
            problems.append(f"input errors: {self.errors[:3]}")
        for p in problems:
            print(f"FAILED: {p}", file=sys.stderr)
        return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sidecar", required=True, help="the sidecar's HTTP API from here, e.g. http://127.0.0.1:18000")
    ap.add_argument("--trickle", required=True, help="the trickle server's base URL from here")
    ap.add_argument("--inner-trickle", required=True, help="the same server's base URL from the containers")
    ap.add_argument("--stream", default="stack-test", help="stream id; channels are <id>-in, -out, -control, -events")
    ap.add_argument("--loops", type=int, default=6, help="times the segments are published in a row")
    ap.add_argument("--chunks", type=int, default=16, help="chunks per input segment, sent evenly over its duration")
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--height", type=int, default=512)
    ap.add_argument("--max-framerate", type=int, default=30, help="params.max_framerate (PyTrickle's default is 24)")
    ap.add_argument("--kill-after", type=float, default=None, help="seconds after the first output byte")
    ap.add_argument("--kill-cmd", default=None)
    ap.add_argument("--restart-cmd", default=None)
    ap.add_argument("--min-segments-after", type=int, default=3, help="output segments needed after the kill")
    ap.add_argument("--drain-s", type=float, default=8.0, help="output quiet this long after the input ended")
    ap.add_argument("--out", required=True, help="directory for the output segments and result.json")
    ap.add_argument("segments", nargs="+", help="input MPEG-TS segments, in order")
    a = ap.parse_args()
    if (a.kill_after is None) != (a.kill_cmd is None):
        ap.error("--kill-after and --kill-cmd go together")
    sys.exit(Gateway(a).run())


if __name__ == "__main__":
    main()

"""`make bench`: people-api through the bundled nginx, against two controls measured in the same run.

Controls: nginx answering `return 201` itself (the ceiling of nginx), and bench/minimal-responder.c
behind the same nginx settings (the floor cost of FastCGI). Ratios to the minimal responder are the
figures that count; absolute numbers drift on shared machines.

Environment: BENCH_SMOKE=1 (a few seconds, for `make test`), BENCH_DURATION (seconds, 10),
BENCH_WORKERS (the responder's own default unless set: 16 threads, 4 taking requests at once; the minimal
responder runs 4 threads), BENCH_BINARY (.build/release/people-api), BENCH_LARGE=0 to skip the 1,000,000-people run,
BENCH_BEFORE_BINARY (an earlier build's workloads beside this one's, in the same minutes),
BENCH_SOAK=1 to add 2,000,000 mixed requests and report how the responder's RSS grew after the first 100,000.
The PHP-FPM peer (bench/php_fpm.py): bench/php/person.php on php8.2-fpm (`pm = static`, BENCH_PHP_CHILDREN
children, 16) with PDO SQLite in WAL mode and `synchronous = FULL`, behind the same nginx site, runs the create
workload beside ours at each connection count; the table ends with ours / PHP. Without BENCH_SMOKE, a second pool
with `synchronous = NORMAL` follows (BENCH_PHP_NORMAL=0 skips it). BENCH_PHP=0 skips the peer; in smoke mode it is
skipped where php-fpm is not installed.
STORE=postgres (`make bench STORE=postgres`) adds, in the same run, the workloads on PostgreSQL (a server of the
benchmark's own, fsync on) with 1 and 3 responder processes, with PostgreSQL's CPU per request beside the responders'.
"""
import contextlib
import csv
import datetime
import grp
import os
import pwd
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import requests  # noqa: E402

import postgres  # noqa: E402
from stack import ROOT, Stack, free_port, wait_until  # noqa: E402
from php_fpm import php_fpm_binary, php_fpm_peer  # noqa: E402

WITH_POSTGRES = os.environ.get("STORE", "sqlite") == "postgres"

SMOKE = os.environ.get("BENCH_SMOKE") == "1"
DURATION = 1 if SMOKE else int(os.environ.get("BENCH_DURATION", "10"))
WARMUP = 0 if SMOKE else 2
CONNECTIONS = [16] if SMOKE else [16, 64]
# None: the responder's own default. The minimal responder (the floor) runs 4 threads, as it always has.
WORKERS = int(os.environ["BENCH_WORKERS"]) if os.environ.get("BENCH_WORKERS") else None
MINIMAL_THREADS = 4
LARGE = not SMOKE and os.environ.get("BENCH_LARGE", "1") == "1"
SOAK = not SMOKE and os.environ.get("BENCH_SOAK") == "1"
PHP_CHILDREN = int(os.environ.get("BENCH_PHP_CHILDREN", "16"))
PHP_FULL = "create, PHP-FPM + PDO SQLite, synchronous FULL"
PHP_NORMAL = "create, PHP-FPM + PDO SQLite, synchronous NORMAL"
RELEASE = Path(os.environ.get("BENCH_BINARY", ROOT / ".build/release/people-api"))
# BENCH_BEFORE_BINARY: an earlier release build whose creates are measured beside this one's.
BEFORE = os.environ.get("BENCH_BEFORE_BINARY")
BEFORE_ROW = "the build before (BENCH_BEFORE_BINARY)"
MINIMAL = ROOT / ".build/bench/minimal-responder"
SCRIPT = ROOT / "bench/workload.lua"
CEILING = ('location = /bench/ceiling { default_type "application/json; charset=utf-8"; '
           "return 201 '{\"id\":\"01939a5e-7c1a-7b3e-9f2d-2c5b8e4f1a90\",\"name\":\"Ada\",\"email\":\"ada@example.com\","
           "\"age\":null,\"created_at\":\"2026-11-22T10:15:30.123Z\"}'; }")
TICKS = os.sysconf("SC_CLK_TCK")


def children_of(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


def cpu_seconds(pid):
    if isinstance(pid, list):  # several responder processes: their CPU together
        return sum(cpu_seconds(one) for one in pid)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_mib(pid, field):
    """A memory figure of /proc/PID/status: VmRSS (now) or VmHWM (peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def current_rss_mib(pid):
    return memory_mib(pid, "VmRSS")


def soak(url, pid, ids_file, total=2_000_000, first=100_000):
    """Mixed requests in bounded wrk runs until `total`; RSS after `first` and at the end."""
    done, rss_after_first = 0, None
    rate = wrk(url, "mixed", 16, 5, pid=pid, ids_file=ids_file)["rps"] or 1000
    while done < total:
        target = first if rss_after_first is None else total
        seconds = max(1, min(120, int((target - done) / rate)))
        measured = wrk(url, "mixed", 16, seconds, pid=pid, ids_file=ids_file)
        done += measured["requests"]
        if measured["unexpected"]:
            raise RuntimeError(f"soak: {measured['unexpected']} unexpected statuses")
        if rss_after_first is None and done >= first:
            rss_after_first = current_rss_mib(pid)
    growth = (current_rss_mib(pid) - rss_after_first) / rss_after_first * 100
    print(f"soak: {done} mixed requests; RSS {rss_after_first:.1f} MiB after {first}, "
          f"{current_rss_mib(pid):.1f} MiB at the end: {growth:+.1f}%")
    return done, rss_after_first, current_rss_mib(pid)


def peak_rss_mib(pid):
    return memory_mib(pid, "VmHWM")


def process_tree_cpu_seconds(pid):
    """A server and its children (PostgreSQL: the postmaster and a backend per connection)."""
    try:
        return cpu_seconds([pid] + children_of(pid))
    except FileNotFoundError:  # a child ended while being read
        return process_tree_cpu_seconds(pid)


def wrk(url, workload, connections, duration, pid=None, path="/", ids_file=None, token="", database_pid=None):
    env = dict(os.environ, WORKLOAD=workload, RUN_ID=uuid.uuid4().hex[:8], CEILING_PATH=path, IDS_FILE=ids_file or "",
               OPERATOR_TOKEN=token)
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s", "-s", str(SCRIPT), url]
    if WARMUP:
        subprocess.run(command[:6] + [f"{WARMUP}s"] + command[7:], env=env, check=True, capture_output=True)
        env["RUN_ID"] = uuid.uuid4().hex[:8]
    cpu_before = cpu_seconds(pid) if pid else 0.0
    database_before = process_tree_cpu_seconds(database_pid) if database_pid else 0.0
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    cpu_after = cpu_seconds(pid) if pid else 0.0
    database_after = process_tree_cpu_seconds(database_pid) if database_pid else 0.0
    values = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isupper():
            values[parts[0]] = int(parts[1])
        if line.startswith("Requests/sec:"):
            values["RPS"] = float(line.split()[1])
    requests_done = max(1, values.get("REQUESTS", 1))
    return {
        "rps": values.get("RPS", 0.0),
        "p50_ms": values.get("P50_US", 0) / 1000,
        "p99_ms": values.get("P99_US", 0) / 1000,
        "unexpected": values.get("UNEXPECTED", 0) + values.get("ERRORS", 0),
        "requests": requests_done,
        "cpu_us": (cpu_after - cpu_before) * 1e6 / requests_done if pid else None,
        "database_cpu_us": (database_after - database_before) * 1e6 / requests_done if database_pid else None,
    }


# The second floor: the minimal responder behind an nginx with nothing of the bundled config
# (no access log, no maps, no rate-limit zone), so the ratio to it is what users feel of the whole stack.
BARE_NGINX = """worker_processes 1; pid {dir}/bare-nginx.pid; error_log {dir}/bare-nginx-error.log warn; {user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/temp/bare_body; fastcgi_temp_path {dir}/temp/bare_fastcgi; proxy_temp_path {dir}/temp/bare_proxy;
    uwsgi_temp_path {dir}/temp/bare_uwsgi; scgi_temp_path {dir}/temp/bare_scgi;
    server {{
        listen 127.0.0.1:{port};
        location /api/ {{
            fastcgi_pass unix:{socket};
            fastcgi_param REQUEST_METHOD $request_method;
            fastcgi_param REQUEST_URI $request_uri;
            fastcgi_param CONTENT_TYPE $content_type;
            fastcgi_param CONTENT_LENGTH $content_length;
        }}
    }}
}}
"""


def start_bare_nginx(directory, socket):
    port = free_port()
    user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};" if os.getuid() == 0 else ""
    config = directory / "bare-nginx.conf"
    config.write_text(BARE_NGINX.format(dir=directory, user=user, port=port, socket=socket))
    process = subprocess.Popen(["nginx", "-p", str(directory), "-c", str(config), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return requests.post(url + "/api/people", data=b"{}", timeout=2).status_code == 201
        except requests.RequestException:
            return False

    wait_until(answers, 20, "bare nginx")
    return process, url


def seed(url, count):
    session = requests.Session()
    ids = []
    for index in range(count):
        response = session.post(url + "/api/people", json={"name": f"Seed {index}", "email": f"seed-{uuid.uuid4().hex}@example.com"}, timeout=10)
        response.raise_for_status()
        ids.append(response.json()["id"])
    return ids


def fill_store(database, count):
    """Adds `count` people straight into SQLite, as a store that has lived a while."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with sqlite3.connect(database) as db:
        db.executemany(
            "INSERT INTO person (id, name, email, email_key, age, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            ((str(uuid.uuid4()), f"Filler {i}", f"filler-{i}@example.com", f"filler-{i}@example.com", i % 150, now)
             for i in range(count)))


def php_binary_or_skip():
    """php-fpm, or None where the peer is skipped (BENCH_PHP=0, or smoke mode without php-fpm)."""
    if os.environ.get("BENCH_PHP", "1") == "0":
        return None
    binary = php_fpm_binary()
    if binary is None:
        if not SMOKE:
            raise SystemExit("the PHP-FPM peer needs php8.2-fpm and php8.2-sqlite3: scripts/install-deps.sh bench "
                             "installs them (BENCH_PHP=0 skips the peer)")
        print("PHP-FPM peer skipped: php-fpm8.2 is not installed (scripts/install-deps.sh bench installs it)")
    return binary


def php_creates(measured):
    """Creates answered 201 per second: requests/s without the unexpected answers (a PHP peer that timed
    out or failed some requests must not count them as creates)."""
    return measured["rps"] * (1 - measured["unexpected"] / measured["requests"])


def main():
    results = []
    started = []
    php_binary = php_binary_or_skip()
    try:
        # Kept FastCGI connections are A/B rows of their own below; the main rows open one per request,
        # as the controls must (the minimal libfcgi responder would pin a thread to each kept one).
        product = Stack(rate_limit=0, binary=str(RELEASE), workers=WORKERS, keep_conn="off")
        started.append(product)
        product.start()
        ids_file = product.dir / "ids.txt"
        ids_file.write_text("\n".join(seed(product.url, 20 if SMOKE else 1000)) + "\n")

        control = Stack(rate_limit=0, responder=False, upstream=f"unix:{product.dir}/minimal.sock", extra_locations=CEILING,
                        keep_conn="off", binary=str(RELEASE))
        started.append(control)
        control.start()
        minimal = subprocess.Popen([str(MINIMAL), f"{product.dir}/minimal.sock", str(MINIMAL_THREADS)])
        bare_nginx = None
        peers = contextlib.ExitStack()
        try:
            wait_until(lambda: requests.post(control.url + "/api/people", data=b"{}", timeout=2).status_code == 201, 20, "minimal responder")
            bare_nginx, bare_url = start_bare_nginx(product.dir, f"{product.dir}/minimal.sock")
            php = peers.enter_context(php_fpm_peer(php_binary, PHP_CHILDREN, "FULL", schema_from=product.database)) if php_binary else None
            before = None
            if BEFORE:
                # An earlier build beside this one, in the same minutes: what a change cost.
                before = Stack(rate_limit=0, binary=str(BEFORE), workers=WORKERS, keep_conn="off")
                started.append(before)
                before.start()
                before_ids = before.dir / "ids.txt"
                before_ids.write_text("\n".join(seed(before.url, 20 if SMOKE else 1000)) + "\n")
            pid = product.responder.pid
            for connections in CONNECTIONS:
                floor = wrk(control.url, "create", connections, DURATION, pid=minimal.pid)
                results.append(("control: minimal libfcgi responder", connections, floor, None, None))
                bare = wrk(bare_url, "create", connections, DURATION, pid=minimal.pid)
                results.append(("control: minimal responder behind a bare nginx", connections, bare, None, None))
                ceiling = wrk(control.url, "ceiling", connections, DURATION, path="/bench/ceiling")
                results.append(("control: nginx return 201", connections, ceiling, None, None))
                for workload in ["create", "invalid", "get", "list"]:
                    measured = wrk(product.url, workload, connections, DURATION, pid=pid, ids_file=str(ids_file),
                                   token=product.operator_token)
                    results.append((workload, connections, measured, floor["rps"], bare["rps"]))
                if before:
                    for workload in ["create", "invalid", "get", "list"]:
                        measured = wrk(before.url, workload, connections, DURATION, pid=before.responder.pid,
                                       ids_file=str(before_ids), token=before.operator_token)
                        results.append((f"{workload}, {BEFORE_ROW}", connections, measured, floor["rps"], bare["rps"]))
                if php:
                    # Right after ours, in the same minute: the peer configured as durably.
                    measured = wrk(php.url, "create", connections, DURATION, pid=php.pids)
                    results.append((PHP_FULL, connections, measured, floor["rps"], bare["rps"]))
            peers.close()
            if php and not SMOKE and os.environ.get("BENCH_PHP_NORMAL", "1") == "1":
                # The same peer with the setting people-api had before issue 18: what durability costs PHP here.
                with php_fpm_peer(php_binary, PHP_CHILDREN, "NORMAL", schema_from=product.database) as normal:
                    for connections in CONNECTIONS:
                        floor = next(r for r in results if r[0].startswith("control: minimal libfcgi") and r[1] == connections)[2]
                        bare = next(r for r in results if r[0].startswith("control: minimal responder behind") and r[1] == connections)[2]
                        measured = wrk(normal.url, "create", connections, DURATION, pid=normal.pids)
                        results.append((PHP_NORMAL, connections, measured, floor["rps"], bare["rps"]))
            if not SMOKE:
                # The same responder behind a second nginx that keeps its FastCGI connections
                # (`keepalive` pool + `fastcgi_keep_conn on`): the A/B behind the KEEP_CONN default.
                kept = Stack(rate_limit=0, responder=False, upstream=f"unix:{product.socket_path}", keep_conn="on", binary=str(RELEASE))
                started.append(kept)
                kept.start()
                add_rows(results, "kept FastCGI connections", kept.url, ["create", "invalid", "get", "list"], pid, ids_file,
                         product.operator_token)
                kept.stop()
            rss = peak_rss_mib(pid)
            minimal_rss = peak_rss_mib(minimal.pid)
            if not SMOKE:
                # The same workloads with two responders on one socket (spawn-fcgi + multiwatch, as
                # `make run` starts them): the measurement behind the PROCESSES default.
                product.stop_responder()
                product.processes = 2
                product.start_responder()
                add_rows(results, "2 processes", product.url, ["create", "invalid", "get"], children_of(product.responder.pid),
                         ids_file, product.operator_token)
                product.stop_responder()
                product.processes = 1
                product.start_responder()
                pid = product.responder.pid
            if WITH_POSTGRES:
                postgres_rows(results)
            if SOAK:
                soak(product.url, pid, str(ids_file), total=int(os.environ.get("BENCH_SOAK_TOTAL", "2000000")),
                     first=int(os.environ.get("BENCH_SOAK_FIRST", "100000")))
            if LARGE:
                empty_create = next(r for r in results if r[0] == "create" and r[1] == 16)[2]["rps"]
                product.stop_responder()
                fill_store(product.database, 1_000_000)
                product.start_responder()
                large = wrk(product.url, "create", 16, DURATION, pid=product.responder.pid)
                results.append(("create, 1,000,000 people stored", 16, large, floor_16(results), floor_16(results, "control: minimal responder behind")))
                print(f"create throughput with 1,000,000 people / on the seeded store: {large['rps'] / empty_create:.2f}")
        finally:
            peers.close()
            if bare_nginx is not None:
                bare_nginx.terminate()
                bare_nginx.wait(timeout=10)
            minimal.kill()  # libfcgi's own SIGTERM handler does not wake a blocked accept
            minimal.wait(timeout=10)
    finally:
        for stack in started:
            stack.stop()
    report(results, rss, minimal_rss)


def add_rows(results, variant, url, workloads, pid, ids_file, token, database_pid=None):
    """The workloads once more, in some variant of the setup, against this run's floors."""
    for connections in CONNECTIONS:
        floor = next(r for r in results if r[0].startswith("control: minimal libfcgi") and r[1] == connections)[2]
        bare = next(r for r in results if r[0].startswith("control: minimal responder behind") and r[1] == connections)[2]
        for workload in workloads:
            measured = wrk(url, workload, connections, DURATION, pid=pid, ids_file=str(ids_file), token=token,
                           database_pid=database_pid)
            results.append((f"{workload}, {variant}", connections, measured, floor["rps"], bare["rps"]))


def postgres_rows(results):
    """The same workloads on PostgreSQL, 1 and 3 responder processes, against this run's controls."""
    with postgres.own_server() as server:
        server_pid = int((server.directory / "postmaster.pid").read_text().split()[0])
        for processes in (1, 3):
            stack = Stack(rate_limit=0, binary=str(RELEASE), workers=WORKERS, processes=processes,
                          database=postgres.fresh_database(server.url), keep_conn="off")
            try:
                stack.start()
                ids_file = stack.dir / "ids.txt"
                ids_file.write_text("\n".join(seed(stack.url, 20 if SMOKE else 1000)) + "\n")
                pids = [stack.responder.pid] if processes == 1 else children_of(stack.responder.pid)
                add_rows(results, f"PostgreSQL, {processes} process{'es' if processes > 1 else ''}", stack.url,
                         ["create", "invalid", "get", "list"], pids, ids_file, stack.operator_token, database_pid=server_pid)
            finally:
                stack.stop()


def floor_16(results, name="control: minimal libfcgi"):
    return next(r for r in results if r[0].startswith(name) and r[1] == 16)[2]["rps"]


def report(results, rss, minimal_rss):
    header = ["workload", "connections", "requests/s", "p50 ms", "p99 ms", "unexpected status or errors", "responder CPU µs/request",
              "PostgreSQL CPU µs/request", "ratio to minimal responder", "ratio to the bare floor"]
    rows = []
    for name, connections, measured, floor, bare_floor in results:
        rows.append([name, connections, f"{measured['rps']:.0f}", f"{measured['p50_ms']:.2f}", f"{measured['p99_ms']:.2f}",
                     measured["unexpected"], "" if measured["cpu_us"] is None else f"{measured['cpu_us']:.0f}",
                     "" if measured.get("database_cpu_us") is None else f"{measured['database_cpu_us']:.0f}",
                     "" if floor is None else f"{measured['rps'] / floor:.2f}",
                     "" if bare_floor is None else f"{measured['rps'] / bare_floor:.2f}"])
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [f"people-api benchmark, commit {commit}, {datetime.datetime.now().isoformat(timespec='seconds')}, "
             f"{DURATION}s per run, {WORKERS or 'the default'} workers, Unix socket" + (" (smoke)" if SMOKE else ""), "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    lines += ["", f"responder peak RSS: {rss:.1f} MiB (minimal responder: {minimal_rss:.1f} MiB)"]
    lines += php_comparison(results)
    table = "\n".join(lines)
    print(table)
    out = ROOT / "bench/results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"bench-{stamp}.md").write_text(table + "\n")
    with open(out / f"bench-{stamp}.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    # The PHP peer's failures are its own result (in its row and the comparison), not a failure of the bench.
    bad = [row for row in rows if row[5] != 0 and not row[0].startswith("create, PHP-FPM")]
    if bad:
        print(f"unexpected statuses in: {[row[0] for row in bad]}", file=sys.stderr)
        sys.exit(1)


def php_comparison(results):
    """Our creates beside the PHP-FPM peer's, configured as durably, from this run: the README's "≥ 3×"."""
    ours = {connections: measured for name, connections, measured, _, _ in results if name == "create"}
    php = {connections: measured for name, connections, measured, _, _ in results if name == PHP_FULL}
    if not php:
        return []
    cpu = lambda measured: "" if measured["cpu_us"] is None else f"{measured['cpu_us']:.0f}"  # noqa: E731
    lines = ["", f"creates against PHP-FPM + PDO SQLite configured as durably (WAL, synchronous = FULL, pm = static, "
                 f"{PHP_CHILDREN} children), one FastCGI connection per request on both, in this run:", "",
             "| connections | people-api creates/s | p99 ms | CPU µs/create | PHP-FPM creates/s | p99 ms | CPU µs/create "
             "| PHP unexpected status or errors | ours / PHP durable |", "|" + "---|" * 9]
    for connections in sorted(php):
        mine, theirs = ours[connections], php[connections]
        creates = php_creates(theirs)
        ratio = f"**{mine['rps'] / creates:.2f}**" if creates else "PHP created nothing"
        lines.append(f"| {connections} | {mine['rps']:.0f} | {mine['p99_ms']:.2f} | {cpu(mine)} | {creates:.0f} | "
                     f"{theirs['p99_ms']:.2f} | {cpu(theirs)} | {theirs['unexpected']} | {ratio} |")
    normal = {connections: measured for name, connections, measured, _, _ in results if name == PHP_NORMAL}
    if normal:
        lines += ["", "PHP-FPM with synchronous = NORMAL, for scale: " + ", ".join(
            f"{php_creates(normal[c]):.0f} creates/s at {c} connections (FULL: {php_creates(php[c]):.0f})" for c in sorted(normal))]
    return lines


if __name__ == "__main__":
    main()

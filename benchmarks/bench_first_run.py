"""What a new user waits for: the two commands of the README from a fresh clone.

    make serve   time from the command to the first page served (http://127.0.0.1:PORT
                 answers 200), and the size of .venv on disk then
    make test    time to install the gate's environment (or, with --gate, to run the
                 whole gate), and the size of .venv then

Each runs in a fresh `git clone` of this checkout (its committed HEAD) in a temporary
directory, so pip's cache is the only thing carried over: that is what a new user with
a warm cache sees, and the first download on a cold machine comes on top. It also prints
the lines of make serve's output that would alarm a reader (tracebacks, errors,
warnings). Goal for make serve on a 2-core machine: first page within 90 s, .venv under
2 GB. The load average is printed with the figures: these machines are shared.

    python benchmarks/bench_first_run.py [--only serve|test] [--gate] [--json]

It prints and never fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS, GOAL_BYTES = 90.0, 2 * 1024**3
SERVE_TIMEOUT = 1800  # seconds to wait for the first page
ALARMING = re.compile(r"Traceback|Error|ERROR|WARNING|Warning|warn|deprecat", re.I)


def clone(dest: Path) -> Path:
    repo = dest / "lstm-explained"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    return repo


def size_on_disk(path: Path) -> int:
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def env() -> dict[str, str]:
    # As a user's shell would have it: nothing from make or a virtual environment above.
    skip = ("VIRTUAL_ENV", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "NO_MKDOCS_2_WARNING")
    return {k: v for k, v in os.environ.items() if k not in skip}


def serve(work: Path) -> dict[str, Any]:
    repo = clone(work)
    port = 8000 if port_is_free(8000) else free_port()
    log = work / "serve.log"
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "serve", f"PORT={port}"],
            cwd=repo,
            env=env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended below
        )
        try:
            while not answers(f"http://127.0.0.1:{port}/"):
                if proc.poll() is not None:
                    sys.exit(f"make serve exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
                if time.perf_counter() - start > SERVE_TIMEOUT:
                    sys.exit(f"no page within {SERVE_TIMEOUT} s:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
            seconds = time.perf_counter() - start
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=60)
    output = log.read_text()
    return {
        "seconds_to_first_page": seconds,
        "venv_bytes": size_on_disk(repo / ".venv"),
        "port": port,
        "output_lines": len(output.splitlines()),
        "alarming_lines": [line for line in output.splitlines() if ALARMING.search(line)],
    }


def test(work: Path, gate: bool) -> dict[str, Any]:
    repo = clone(work)
    target = "test" if gate else ".venv/.test-stamp"
    start = time.perf_counter()
    proc = subprocess.run(["make", target], cwd=repo, env=env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        sys.exit(f"make {target} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return {
        "what": "make test (whole gate)" if gate else "make test's install",
        "seconds": seconds,
        "venv_bytes": size_on_disk(repo / ".venv"),
    }


def gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["serve", "test"], help="measure one command")
    parser.add_argument("--gate", action="store_true", help="run the whole gate, not just install")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args()
    if shutil.which("make") is None:
        sys.exit("make is not installed")
    report: dict[str, Any] = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="first-run-") as tmp:
        if args.only in (None, "serve"):
            (Path(tmp) / "serve").mkdir()
            report["serve"] = serve(Path(tmp) / "serve")
        if args.only in (None, "test"):
            (Path(tmp) / "test").mkdir()
            report["test"] = test(Path(tmp) / "test", args.gate)
    report["load_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(report))
        return
    load = " ".join(f"{x:.1f}" for x in report["load_before"])
    print(f"{report['cpus']} CPUs; load average before {load}")
    if "serve" in report:
        s = report["serve"]
        ok_t = "met" if s["seconds_to_first_page"] <= GOAL_SECONDS else "NOT met"
        ok_b = "met" if s["venv_bytes"] <= GOAL_BYTES else "NOT met"
        print(
            f"make serve: first page after {s['seconds_to_first_page']:.1f} s "
            f"(goal < {GOAL_SECONDS:.0f} s: {ok_t}); .venv {gib(s['venv_bytes'])} "
            f"(goal < {gib(GOAL_BYTES)}: {ok_b})"
        )
        print(f"  {s['output_lines']} lines of output, {len(s['alarming_lines'])} alarming:")
        for line in s["alarming_lines"]:
            print(f"    {line}")
    if "test" in report:
        t = report["test"]
        print(f"{t['what']}: {t['seconds']:.1f} s; .venv {gib(t['venv_bytes'])}")
    load = " ".join(f"{x:.1f}" for x in report["load_after"])
    print(f"load average after {load}")


if __name__ == "__main__":
    main()

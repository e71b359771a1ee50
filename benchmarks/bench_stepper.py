"""How long the interactive stepper takes to recompute and redraw, measured in Chromium.

Builds the site, opens the stepper page in Debian's Chromium (Playwright), fills in a
ten-step sequence with the standard sigmoid/tanh activations (and, separately, the
exact BigInt toy network, the GRU example and the two-unit fingerprint GRU), then calls
the page's own `LSTMStepper.render()` many times and prints the median and 95th
percentile in milliseconds against one frame (16 ms).
It prints; it never fails on time.

Run with `python benchmarks/bench_stepper.py [--runs N]` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRAME_MS = 16.0
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

TIMING = """runs => {
  const times = [];
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    LSTMStepper.render();
    times.push(performance.now() - start);
  }
  return times;
}"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="render() calls per case")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as site:
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", site],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        handler = functools.partial(Quiet, directory=site)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/stepper/"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page()
            page.goto(url, wait_until="networkidle")
            print(f"{'case':40} {'median ms':>10} {'p95 ms':>8}  goal < {FRAME_MS:g} ms")
            cases = {
                "10 steps, sigmoid/tanh (second example)": ("second-example", "1, 0.5, -1, 0.25, "
                                                            "0, 1, -0.5, 2, 0.75, -1"),
                "10 steps, exact BigInt (article)": ("article", ", ".join(["1"] * 10)),
                "10 steps, GRU sigmoid/tanh": ("gru-example", "1, 0.5, -1, 0.25, 0, 1, -0.5, "
                                               "2, 0.75, -1"),
                "10 steps, 2x2 exact GRU (fingerprint)": ("fingerprint-gru", "; ".join(
                    ["1, 0", "0, 1"] * 5)),
            }  # fmt: skip
            worst = 0.0
            for name, (preset, inputs) in cases.items():
                page.select_option("#stepper-preset", preset)
                page.fill("#stepper-inputs", inputs)
                page.evaluate(TIMING, 20)  # warm up
                times = sorted(page.evaluate(TIMING, args.runs))
                median, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
                worst = max(worst, p95)
                print(f"{name:40} {median:10.3f} {p95:8.3f}")
            browser.close()
        httpd.shutdown()
    verdict = "met" if worst < FRAME_MS else "NOT met"
    print(f"\nworst p95 = {worst:.3f} ms = {worst / FRAME_MS:.2f} of a frame  {verdict}")


if __name__ == "__main__":
    main()

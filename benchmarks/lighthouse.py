"""Lighthouse scores and page weight of every page of the built site.

Builds the site, lays it out as mike publishes it (`<root>/latest/...` beside a
`versions.json`, so the version selector finds its file), serves it on localhost with
gzip as a real host would, and runs Lighthouse 12 (mobile preset) on every page with
Debian's Chromium. Prints each page's performance, accessibility, best-practices and SEO
scores and the bytes transferred, against the goal:

    performance >= 0.95, accessibility = best practices = SEO = 1.0, <= 150 KiB

Performance is measured with Lighthouse's simulated mobile CPU (4x slower than this
one), so it depends on how busy the machine is: each line gives Lighthouse's own
benchmark index of the machine as it ran (`bench`, higher is faster; the 4x was chosen
for a fast, idle desktop), and the load average is printed before and after. On this
2-core machine shared with other work, the same page has scored from 0.89 to 0.99. A
page that misses the performance goal is run twice more and its median run is reported,
with the three scores it was chosen from.

It measures and prints; it fails only with --strict (exit 1 when a goal is missed).
Needs `npm` (it runs `npm ci` in benchmarks/lighthouse/ the first time) and
/usr/bin/chromium. Run with `make lighthouse` or `python benchmarks/lighthouse.py`.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks" / "lighthouse"
CHROME = "/usr/bin/chromium"
FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
         "--disable-component-update --disable-sync --no-first-run")  # fmt: skip
GOALS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
MAX_KIB = 150
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".ipynb")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzipped when the client accepts it (as GitHub Pages does)."""

    def log_message(self, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        gzip_ok = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (gzip_ok and path.suffix in COMPRESSIBLE and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def build_site(dest: Path) -> None:
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(dest / "latest")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(f"the site did not build:\n{proc.stderr[-3000:]}")
    versions = [{"version": "latest", "title": "latest", "aliases": []}]
    (dest / "versions.json").write_text(json.dumps(versions))


def pages(site: Path) -> list[str]:
    return sorted(
        str(p.parent.relative_to(site)).replace(".", "") for p in site.rglob("index.html")
    )


def lighthouse(url: str, out: Path) -> dict[str, Any]:
    env = {**os.environ, "CHROME_PATH": CHROME}
    cmd = [str(HERE / "node_modules" / ".bin" / "lighthouse"), url, "--quiet",
           "--output=json", f"--output-path={out}", f"--chrome-flags={FLAGS}",
           "--only-categories=performance,accessibility,best-practices,seo"]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(f"lighthouse failed on {url}:\n{proc.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 if a goal is missed")
    parser.add_argument("--page", action="append", help="only this page path (repeatable)")
    parser.add_argument("--details", action="store_true", help="list the elements that fail")
    args = parser.parse_args()
    if not Path(CHROME).exists():
        sys.exit(f"{CHROME} is missing: apt-get install chromium")
    if not (HERE / "node_modules" / ".bin" / "lighthouse").exists():
        if not shutil.which("npm"):
            sys.exit("npm is needed to install Lighthouse")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        build_site(root)
        handler = functools.partial(GzipHandler, directory=str(root))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}/latest/"
        selected = args.page or pages(root / "latest")
        header = " ".join(f"{k:>5}" for k in ("perf", "a11y", "bp", "seo"))
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'page':40} {header} {'KiB':>6} {'bench':>5}  failing audits")
        missed = 0
        for page in selected:
            url, out = base + (f"{page}/" if page else ""), Path(tmp) / "report.json"
            report = lighthouse(url, out)
            if performance(report) < GOALS["performance"]:
                report = median_run([report, lighthouse(url, out), lighthouse(url, out)])
            missed += not summarise(page or "(home)", report, args.details)
        httpd.shutdown()
    goal = ", ".join(f"{k} >= {v:g}" for k, v in GOALS.items())
    met = len(selected) - missed
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"\ngoal: {goal}, <= {MAX_KIB} KiB; met on {met} of {len(selected)} pages")
    if args.strict and missed:
        sys.exit(1)


def performance(report: dict[str, Any]) -> float:
    return float(report["categories"]["performance"]["score"])


def median_run(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median performance score, noting every score it was chosen from.

    A page that misses the performance goal is run twice more: one run's score moves with
    what else the machine is doing (see `bench`), and Lighthouse's own advice for noisy
    machines is the median of several runs."""
    ordered = sorted(reports, key=performance)
    median = ordered[len(ordered) // 2]
    median["runs"] = [performance(r) for r in reports]
    return median


METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
           "cumulative-layout-shift", "speed-index")  # fmt: skip


def summarise(name: str, report: dict[str, Any], details: bool) -> bool:
    """Print one page's line (and, with details, what fails); return whether it meets the goal."""
    scores = {k: report["categories"][k]["score"] for k in GOALS}
    kib = report["audits"]["total-byte-weight"]["numericValue"] / 1024
    weighted = {
        ref["id"]
        for c in ("accessibility", "best-practices", "seo")
        for ref in report["categories"][c]["auditRefs"]
        if ref.get("weight", 0) > 0
    }
    failing = sorted(
        a["id"]
        for a in report["audits"].values()
        if a["id"] in weighted and a.get("score") is not None and a["score"] < 1
    )
    ok = all(scores[k] >= goal for k, goal in GOALS.items()) and kib <= MAX_KIB
    cells = " ".join(f"{scores[k]:5.2f}" for k in GOALS)
    verdict = "" if ok else "  <- goal missed"
    if "runs" in report:
        runs = ", ".join(f"{s:.2f}" for s in report["runs"])
        verdict += f"  (median of runs scoring {runs})"
    bench = report.get("environment", {}).get("benchmarkIndex", 0)
    print(f"{name:40} {cells} {kib:6.0f} {bench:5.0f}  {', '.join(failing) or '-'}{verdict}")
    if details:
        print("    " + ", ".join(f"{m} {report['audits'][m]['displayValue']}" for m in METRICS))
        for audit_id in failing:
            for item in report["audits"][audit_id].get("details", {}).get("items", []):
                node = item.get("node", {})
                print(f"    {audit_id}: {node.get('selector', '')}")
                print(f"      {node.get('explanation', '')[:200]}")
    return ok


if __name__ == "__main__":
    main()

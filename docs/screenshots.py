"""The screenshot walk: seed a demo database of its own, run the app, and save 1440x900 PNGs of the main pages into
docs/screenshots/, so a reviewer sees what a user sees.

    make screenshots                      # a fresh SQLite database in a temporary folder
    .venv/bin/python docs/screenshots.py --accounts 150 --out docs/screenshots
    DATABASE_URL=postgres://... .venv/bin/python docs/screenshots.py --use-database-url

Every page is taken on its own: a page that is missing (an app not installed) or fails is reported and the walk goes
on; the command fails at the end if any page failed. It needs Chromium (/usr/bin/chromium, or CHROMIUM).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
EMAIL = "demo@natero.local"
PASSWORD = "natero-demo-2026"
VIEWPORT = {"width": 1440, "height": 900}

# A CSV with a problem in several fields of one row and one in another, for the import preview.
BAD_IMPORT = (
    "account_id,name,join_date,employees,csm_score\n"
    "ACME-NEW-1,Northwind Traders,2026-01-15,120,80\n"
    "ACME-NEW-2,,15/01/2026,many,250\n"
    "ACME-NEW-3,Contoso Pharma,2026-02-30,40,70\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the web server stopped before answering")
        try:
            with urllib.request.urlopen(f"{url}/login/", timeout=5):  # noqa: S310 (our own http://127.0.0.1 server)
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the web server did not answer at {url} within {timeout:.0f} s")


def settle(page) -> None:
    """Wait until the lazily loaded regions (summary panels, trend charts) have arrived and their charts are drawn."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelectorAll('[aria-busy=\"true\"]').length === 0", timeout=30_000)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('[data-chart]')).every(e => e.querySelector('.main-svg'))",
        timeout=30_000,
    )
    page.wait_for_timeout(300)  # plotly's resize after the layout settles


def first_link(page, pattern: str) -> str | None:
    """The first link on the page whose path matches `pattern` (a regular expression)."""
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
        if href and re.fullmatch(pattern, href.split("?")[0].split("#")[0]):
            return href
    return None


def walk(base: str, out: Path, browser) -> list[str]:
    """Take every screenshot; answer the names of the pages that failed."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    account_href: list[str] = []

    def account_page(page) -> None:
        # The account with the most MRR: the one with the fullest charts.
        page.goto(f"{base}/accounts/?sort=-metric_mrr")
        href = first_link(page, r"/accounts/\d+/")
        if href is None:
            raise RuntimeError("no account in the list")
        account_href.append(href)
        page.goto(f"{base}{href}")

    def account_trends(page) -> None:
        if not account_href:
            raise LookupError("no account page")
        page.goto(f"{base}{account_href[0]}")
        settle(page)
        page.evaluate("document.getElementById('trends').scrollIntoView()")

    def list_page(page) -> None:
        page.goto(f"{base}/lists/")
        href = first_link(page, r"/lists/\d+/")
        if href is None:
            raise RuntimeError("no saved list")
        page.goto(f"{base}{href}")

    def import_preview(page) -> None:
        page.goto(f"{base}/accounts/import/")
        page.select_option("select[name=target]", "accounts")
        page.set_input_files(
            "input[name=file]", {"name": "accounts.csv", "mimeType": "text/csv", "buffer": BAD_IMPORT.encode()}
        )
        page.click("main form[enctype] button[type=submit]")
        page.wait_for_url(re.compile(r".*/accounts/import/\d+/"))

    def health(page) -> None:
        response = page.goto(f"{base}/health/")
        if response is None or response.status == 404:
            raise LookupError("no health page")

    def calibration(page) -> None:
        response = page.goto(f"{base}/health/calibration/")
        if response is None or response.status == 404:
            raise LookupError("no calibration report")

    shots: list[tuple[str, Callable]] = [
        ("home", lambda page: page.goto(f"{base}/")),
        ("account-list", lambda page: page.goto(f"{base}/accounts/")),
        ("account-page", account_page),
        ("account-trends", account_trends),
        ("lists", lambda page: page.goto(f"{base}/lists/")),
        ("list-page", list_page),
        ("bulk-edit-grid", lambda page: page.goto(f"{base}/accounts/bulk-edit/")),
        ("import-preview", import_preview),
        ("alerts", lambda page: page.goto(f"{base}/alerts/")),
        ("tasks", lambda page: page.goto(f"{base}/tasks/")),
        ("health", health),
        ("calibration", calibration),
    ]
    failed = []
    for name, go in shots:
        try:
            go(page)
            settle(page)
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        except LookupError as exc:
            print(f"  skipped {name}: {exc}")
        except Exception as exc:  # one broken page must not stop the walk
            print(f"  FAILED {name}: {exc}", file=sys.stderr)
            failed.append(name)
    context.close()
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=150, help="demo accounts to seed (default 150)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNGs")
    parser.add_argument(
        "--use-database-url",
        action="store_true",
        help="seed the database DATABASE_URL names (and REDIS_URL) instead of a fresh SQLite file",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the SQLite database in this folder; when it already holds one, reuse it instead of seeding again",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    keep = args.data_dir is not None
    data_dir = args.data_dir.resolve() if keep else Path(tempfile.mkdtemp(prefix="natero-screenshots-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    reuse = keep and not args.use_database_url and (data_dir / "natero.sqlite3").exists()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DEBUG": "true", "SITE_URL": base, "NATERO_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    if not args.use_database_url:
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
    args.out.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        if reuse:
            print(f"Reusing the demo database in {data_dir}")
            manage(env, "migrate", "--noinput", "-v", "0")
        else:
            print(f"Seeding a demo database ({args.accounts} accounts) in {data_dir} ...")
            manage(env, "migrate", "--noinput", "-v", "0")
            manage(env, "seed_demo", "--accounts", str(args.accounts))
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(data_dir / "server.log").open("w"),
        )
        wait_until_up(base, server)
        print(f"Taking screenshots of {base} into {args.out} ...")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            )
            failed = walk(base, args.out, browser)
            browser.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    if failed:
        print(f"Pages that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Save a full-page screenshot of a run's report.html, rendered in headless Chromium.

    python docs/screenshot_report.py runs/20250102-030405-compare docs/report.png
    python docs/screenshot_report.py RUN_DIR OUT.png --width 1000 --rebuild

Uses the system Chromium (``apt-get install chromium``) through Playwright
(``pip install playwright``; no ``playwright install``, no browser download). The page is
opened from a ``file:`` URL with the network off: any request that is not ``file:`` or
``data:`` is refused and reported, so the screenshot shows what an offline reader sees.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

LOCAL = ("file:", "data:")


def screenshot(report: Path, out: Path, width: int = 1280) -> list[str]:
    """Render ``report`` at ``width`` CSS pixels and save the whole page as ``out`` (PNG).

    Returns the URLs the page tried to fetch from outside (refused; normally none).
    """
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not installed: apt-get install chromium")
    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)

        def route(route):
            if route.request.url.startswith(LOCAL):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.goto(report.resolve().as_uri(), wait_until="load")
        page.wait_for_load_state("networkidle")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    return refused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a directory written by train or compare")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    parser.add_argument(
        "--rebuild", action="store_true", help="redraw report.html first (tszoo.report)"
    )
    args = parser.parse_args(argv)
    report = args.run_dir / "report.html"
    if args.rebuild:
        from tszoo.report import build_report

        report = build_report(args.run_dir)
    elif not report.is_file():
        print(f"{report} does not exist; add --rebuild to draw it", file=sys.stderr)
        return 2
    refused = screenshot(report, args.out, args.width)
    for url in refused:
        print(f"refused a request to {url}", file=sys.stderr)
    print(args.out)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())

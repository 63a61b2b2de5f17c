"""``deep-research submit | status | cancel | jobs``: a client of a running API.

    deep-research submit --product "Dove Body Wash" --brand Dove --category cosmetics \\
        --ingredients "Water, Sodium Laureth Sulfate, Fragrance" --watch
    deep-research status <job id>
    deep-research cancel <job id>
    deep-research jobs [--status failed] [--limit 20] [--cursor ...]

``--api-url`` (``DEEP_RESEARCH_API_URL``, default http://127.0.0.1:8000), ``--api-key``
(``DEEP_RESEARCH_API_KEY``) and ``--admin-token`` (``ADMIN_TOKEN``) apply to all of them.
``--watch`` follows the job's event stream (SSE) with a progress bar, resuming with
``Last-Event-ID`` if the connection drops, then prints the report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.table import Column, Table

DEFAULT_URL: Final = "http://127.0.0.1:8000"
MAX_RECONNECTS: Final = 20


@dataclass(frozen=True, slots=True)
class SseEvent:
    id: str | None
    event: str
    data: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.data)  # type: ignore[no-any-return]


def parse_sse(lines: Iterable[str]) -> Iterator[SseEvent]:
    """Server-Sent Events from text lines (comments and ``retry:`` skipped)."""
    event_id: str | None = None
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield SseEvent(event_id, event, "\n".join(data))
            event_id, event, data = None, "message", list[str]()
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            event_id = value
        elif name == "event":
            event = value
        elif name == "data":
            data.append(value)


class Api:
    def __init__(self, args: argparse.Namespace) -> None:
        headers = {"Accept": "application/json"}
        if args.api_key:
            headers["X-API-Key"] = args.api_key
        if args.admin_token:
            headers["X-Admin-Token"] = args.admin_token
        self.http = httpx.Client(base_url=args.api_url, headers=headers, timeout=httpx.Timeout(30, read=60))

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, path, **kwargs)
        if response.is_error:
            try:
                message = response.json().get("detail", response.text)
            except ValueError:
                message = response.text
            raise SystemExit(f"error {response.status_code}: {message}")
        return response.json()  # type: ignore[no-any-return]

    def events(self, job_id: str, last_id: str | None) -> Iterator[SseEvent]:
        headers = {"Accept": "text/event-stream", **({"Last-Event-ID": last_id} if last_id else {})}
        with self.http.stream("GET", f"/api/v4/job/{job_id}/events", headers=headers) as response:
            if response.is_error:
                response.read()
                raise SystemExit(f"error {response.status_code}: {response.text}")
            yield from parse_sse(response.iter_lines())


def request_body(args: argparse.Namespace) -> dict[str, Any]:
    if args.input:
        text = sys.stdin.read() if args.input == "-" else Path(args.input).read_text()
        return json.loads(text)  # type: ignore[no-any-return]
    if not args.product or not args.ingredients:
        raise SystemExit("submit needs --product and --ingredients (or --input FILE)")
    ingredients = [item.strip() for item in args.ingredients.split(",") if item.strip()]
    return {"product_name": args.product, "brand": args.brand, "category": args.category, "ingredients": ingredients}


def watch(api: Api, job_id: str, console: Console) -> dict[str, Any]:
    """Follow the job to its end with a progress bar; returns the terminal event."""
    last_id: str | None = None
    last: dict[str, Any] = {}
    step: str | None = None
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("Queued", total=100)
        for _ in range(MAX_RECONNECTS):
            try:
                for event in api.events(job_id, last_id):
                    last_id = event.id or last_id
                    last = event.json()
                    if last.get("current_step") != step:
                        step = last.get("current_step")
                        bar.console.print(f"[{last.get('progress', 0):>3}%] {last.get('status')}: {step}")
                    bar.update(task, completed=last.get("progress", 0), description=str(step or ""))
                    if event.event == "end" or (event.event == "state" and last.get("status") in TERMINAL):
                        return last
            except httpx.TransportError as exc:
                bar.console.print(f"connection lost ({type(exc).__name__}); resuming from {last_id}")
    raise SystemExit(f"gave up following job {job_id} after {MAX_RECONNECTS} connections")


TERMINAL: Final = frozenset({"completed", "failed", "cancelled"})


def show_result(job: dict[str, Any], console: Console) -> None:
    result = job.get("result") or {}
    if job["status"] != "completed":
        console.print(f"Job {job['job_id']} {job['status']}: {job.get('error')}")
    elif isinstance(result, dict) and result.get("full_report"):
        console.print(Markdown(result["full_report"]))
    else:
        console.print_json(json.dumps(result))


def submit(args: argparse.Namespace) -> int:
    api, console = Api(args), Console()
    created = api.call("POST", "/api/v4/deep-research", json=request_body(args))
    job_id = created["job_id"]
    console.print(f"Job {job_id} {created['status']}: {created['check_status_url']}")
    if not args.watch:
        return 0
    watch(api, job_id, console)
    job = api.call("GET", f"/api/v4/job/{job_id}")
    show_result(job, console)
    return 0 if job["status"] == "completed" else 1


def status(args: argparse.Namespace) -> int:
    Console().print_json(json.dumps(Api(args).call("GET", f"/api/v4/job/{args.job_id}")))
    return 0


def cancel(args: argparse.Namespace) -> int:
    job = Api(args).call("POST", f"/api/v4/job/{args.job_id}/cancel")
    Console().print(f"Job {job['job_id']} {job['status']}")
    return 0


def jobs(args: argparse.Namespace) -> int:
    params = {k: v for k, v in {"status": args.status, "limit": args.limit, "cursor": args.cursor}.items() if v}
    page = Api(args).call("GET", "/api/v4/jobs", params=params)
    table = Table(Column("job id", no_wrap=True, min_width=36), "status", "progress", "step", "product", "created")
    for job in page["jobs"]:
        table.add_row(
            job["job_id"],
            job["status"],
            f"{job['progress']}%",
            job["current_step"] or "",
            job["product_name"],
            job["created_at"],
        )
    console = Console()
    console.print(table)
    if page["next_cursor"]:
        console.print(f"more: --cursor {page['next_cursor']}")
    return 0


def register(sub: Any) -> None:
    """Add the client commands to ``deep-research``'s sub-parsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--api-url", default=os.environ.get("DEEP_RESEARCH_API_URL", DEFAULT_URL))
    common.add_argument("--api-key", default=os.environ.get("DEEP_RESEARCH_API_KEY"))
    common.add_argument("--admin-token", default=os.environ.get("ADMIN_TOKEN"))

    cmd = sub.add_parser("submit", parents=[common], help="submit a research job (to a running API)")
    cmd.add_argument("--product", help="product name")
    cmd.add_argument("--brand", default="")
    cmd.add_argument("--category", default="")
    cmd.add_argument("--ingredients", help='comma-separated: "Water, Glycerin, Fragrance"')
    cmd.add_argument("--input", help="request JSON file, or - for stdin (instead of the flags)")
    cmd.add_argument("--watch", action="store_true", help="follow it live, then print the report")
    cmd.set_defaults(handler=submit)

    for name, handler, text in (("status", status, "a job's status and result"), ("cancel", cancel, "cancel a job")):
        cmd = sub.add_parser(name, parents=[common], help=text)
        cmd.add_argument("job_id")
        cmd.set_defaults(handler=handler)

    cmd = sub.add_parser("jobs", parents=[common], help="list your jobs, newest first")
    cmd.add_argument("--status", choices=("pending", "processing", "completed", "failed", "cancelled"))
    cmd.add_argument("--limit", type=int, default=20)
    cmd.add_argument("--cursor")
    cmd.set_defaults(handler=jobs)

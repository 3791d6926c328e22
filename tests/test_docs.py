"""The README and the guides stay true: the README's commands and examples work, and every variable,
command and route the code has is in docs/api.md (and nothing there that the code lacks)."""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest

from config import load_settings
from service import create_app
from service.cli import main
from service.web.schemas import ImagePathSchema
from tests.conftest import SECRET, json_app, run_queued_jobs

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
API = ROOT / "docs" / "api.md"
GUIDES = sorted((ROOT / "docs").glob("*.md"))
EXAMPLE_API = "https://imgmod.example.ma"  # where the README's snippets say imgmod is
VARIABLE = re.compile(r"\bIMGMOD_[A-Z0-9_]*[A-Z0-9]\b")


def section(text: str, heading: str) -> str:
    """The body of the `## heading` section."""
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)


def without_code(text: str) -> str:
    """Prose only: fenced blocks and inline code removed (a link inside code is an example, not a link)."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M))


# The README

def test_the_readme_is_read_in_five_minutes():
    assert len(README.read_text().splitlines()) <= 250


def test_the_two_commands_are_the_ones_the_project_runs():
    """The test command is the one .ci/run runs for each Python; the run command installs the same way."""
    run, test = blocks(section(README.read_text(), "Two commands"), "sh")
    ci_line = next(line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                   if "-m pytest" in line and not line.lstrip().startswith("#"))
    ci_command = ci_line.split(" || exit")[0]
    assert test.strip().replace("python3 ", '"$python" ', 1).replace(".venv", '"$venv"') == ci_command
    assert run.strip() == test.strip().replace("'.[test]'", ".").replace(".venv/bin/python -m pytest",
                                                                        ".venv/bin/imgmod dev")


def curl(command: str) -> tuple[str, str, dict, str | None]:
    """Method, path with query, headers and body of a README curl command."""
    args = shlex.split(command)
    assert args.pop(0) == "curl"
    method, headers, body, url = "GET", {}, None, None
    while args:
        arg = args.pop(0)
        if arg == "-s":
            continue
        if arg == "-X":
            method = args.pop(0)
        elif arg == "-H":
            name, _, value = args.pop(0).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            body = args.pop(0)
        else:
            assert url is None and not arg.startswith("-"), f"an option this test does not know: {arg}"
            url = arg
    parts = urlsplit("http://" + url)
    assert (parts.hostname, parts.port) == ("localhost", 8000)  # `imgmod dev`'s address
    return method, parts.path + ("?" + parts.query if parts.query else ""), headers, body


def test_the_first_report_and_lookup_answer_what_the_readme_shows(client, queue, services, reporter):
    text = section(README.read_text(), "A first report and lookup")
    [commands] = blocks(text, "sh")
    [answers] = blocks(text, "json")
    commands = [curl(command) for command in commands.replace("\\\n", " ").strip().splitlines()]
    answers = [json.loads(line) for line in answers.strip().splitlines()]
    assert len(commands) == len(answers) == 2
    for (method, path, headers, body), answer in zip(commands, answers):
        response = client.open(path, method=method, headers=headers, data=body)
        assert response.status_code in (200, 202), response.json
        assert response.json == answer
    (method, path, headers, body), _ = commands
    report_id = json.loads(body)["image_id"]
    # "The same reader reporting again answers counted: false. Three distinct readers hide the photo."
    assert client.open(path, method=method, headers=headers, data=body).json["counted"] is False
    for address in ("198.51.100.2", "198.51.100.3"):
        assert reporter.anonymous(report_id, ip=address, reason="violence").status_code == 202
    run_queued_jobs(services, queue)
    assert client.get(f"/v1/images?id={report_id}").json["images"] == [{"image_id": report_id, "hidden": True}]
    assert client.get(f"/v1/images/{report_id}/placeholder").status_code == 200
    # "Add ?lang=fr or ?lang=en to the report, or send Accept-Language"
    assert client.post(path + "?lang=fr", headers=headers, data=body).json["lang"] == "fr"
    assert client.post(path, headers={**headers, "Accept-Language": "en"}, data=body).json["lang"] == "en"


def readme_widget() -> tuple[str, str]:
    """The README's widget snippet and the origin its CORS line allows."""
    text = section(README.read_text(), "On a news page")
    [snippet] = blocks(text, "html")
    [cors] = blocks(text, "sh")
    name, _, origins = cors.strip().partition("=")
    assert name == "IMGMOD_CORS_ORIGINS"
    return snippet, origins


def test_the_widget_snippet_and_its_cors_line_work_against_the_app(settings):
    snippet, origins = readme_widget()
    cors = load_settings({"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_CORS_ORIGINS": origins}).cors_origins
    [origin] = cors
    client = create_app(replace(settings, cors_origins=cors)).test_client()
    [script] = re.findall(r'<script src="([^"]+)" data-api="([^"]+)"', snippet)
    assert script[0] == script[1] + "/v1/widget.js" and script[1] == EXAMPLE_API
    widget = client.get(script[0].removeprefix(EXAMPLE_API))
    assert widget.status_code == 200 and widget.mimetype == "text/javascript"
    source = widget.get_data(as_text=True)
    for attribute in re.findall(r" (data-[a-z-]+)=", snippet):
        assert attribute in source, f"the widget reads no {attribute}"
    [image_id] = re.findall(r'data-image-id="([^"]+)"', snippet)
    assert ImagePathSchema().validate({"image_id": image_id}) == {}
    # From the news site's origin: its lookups and its reports (a preflight first) are allowed.
    lookup = client.get(f"/v1/images?id={image_id}", headers={"Origin": origin})
    assert lookup.status_code == 200 and lookup.headers["Access-Control-Allow-Origin"] == origin
    preflight = client.options("/v1/reports", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                       "Access-Control-Request-Headers": "content-type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    other = client.get(f"/v1/images?id={image_id}", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_the_admin_token_the_readme_makes_opens_the_admin_api(settings):
    from click.testing import CliRunner

    text = section(README.read_text(), "Admin tokens")
    assert ".venv/bin/imgmod secret" in blocks(text, "sh")[0]
    token = CliRunner().invoke(main, ["secret"]).output.strip()
    env = {"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_ADMIN_TOKENS": f"amina:{token}"}
    client = create_app(replace(settings, admin_tokens=load_settings(env).admin_tokens)).test_client()
    assert client.get("/v1/admin/totals", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# docs/api.md against the code

def variables_in(paths) -> set[str]:
    found = set()
    for path in paths:
        if path.is_file() and path.resolve() != Path(__file__).resolve():
            found |= set(VARIABLE.findall(path.read_text(errors="replace")))
    return found


def code_files():
    for folder in ("config", "service", "workers", "deploy", "tests", "bench"):
        yield from (path for path in (ROOT / folder).rglob("*") if "__pycache__" not in path.parts)
    yield from (ROOT / ".ci").iterdir()
    yield from ROOT.glob("docker-compose*.yml")
    yield ROOT / "Dockerfile"


def test_every_variable_the_code_reads_is_documented_and_every_documented_one_exists():
    in_code = variables_in(code_files())
    assert {"IMGMOD_REDIS_URL", "IMGMOD_SECRET_KEY", "IMGMOD_UPSTREAM", "IMGMOD_REQUIRE_BROWSER"} <= in_code
    assert sorted(in_code - variables_in([API])) == [], "variables missing from docs/api.md"
    for doc in [README, *GUIDES]:
        assert sorted(variables_in([doc]) - in_code) == [], f"{doc.name} names variables the code never reads"
    assert "`PROMETHEUS_MULTIPROC_DIR`" in API.read_text()


def command_rows() -> dict[str, str]:
    """`imgmod NAME` -> its row(s) of docs/api.md's command table."""
    rows: dict[str, str] = {}
    for line in section(API.read_text(), "Command line").splitlines():
        for name in re.findall(r"`imgmod ([a-z-]+)", line.split(" | ")[0]) if line.startswith("| `imgmod") else []:
            rows[name] = rows.get(name, "") + line
    return rows


def test_every_command_and_option_is_documented_and_every_documented_command_exists():
    rows = command_rows()
    assert sorted(rows) == sorted(main.commands)
    for name, command in main.commands.items():
        for param in command.params:
            if isinstance(param, click.Option):
                for option in (opt for opt in param.opts if opt.startswith("--")):
                    assert option in rows[name], f"imgmod {name} {option} is not in docs/api.md"
            if isinstance(param, click.Option) and isinstance(param.type, click.Choice):
                for choice in param.type.choices:
                    assert choice in rows[name], f"imgmod {name}: {choice} is not in docs/api.md"


def test_the_commands_the_docs_show_exist_with_their_options():
    """Every `imgmod NAME --option` in the README's and the guides' code exists."""
    invocation = re.compile(r"(?:^|`|bin/|\$\(|&& )imgmod ((?:[a-z][a-z-]*)(?: --[a-z-]+)*)", re.M)
    for doc in [README, *GUIDES]:
        code = "\n".join(blocks(doc.read_text(), r"\w*") + re.findall(r"`[^`\n]+`", doc.read_text()))
        for shown in invocation.findall(code):
            name, *options = shown.split(" ")
            assert name in main.commands, f"{doc.name} shows imgmod {name}, which does not exist"
            known = {opt for param in main.commands[name].params for opt in getattr(param, "opts", [])}
            assert set(options) <= known, f"{doc.name}: imgmod {shown}"


def documented_routes() -> set[str]:
    return set(re.findall(r"^### `((?:GET|POST|PUT|DELETE|PATCH) /\S*)`$", API.read_text(), re.M))


def app_routes() -> set[str]:
    """`METHOD /path` of every public route: /openapi.json's operations and the Flask url_map's."""
    app = json_app()
    routes = set()
    for path, operations in app.test_client().get("/openapi.json").json["paths"].items():
        for method in operations.keys() & {"get", "post", "put", "delete", "patch"}:
            flask_path = re.sub(r"{(\w+)}", r"<\1>", path)
            routes.add(f"{method.upper()} {flask_path}")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue  # the console's and the demo's own files, named by their pages
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
        routes |= {f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_route_is_documented_and_every_documented_route_exists():
    routes = app_routes()
    assert "POST /v1/reports" in routes and "GET /v1/images/<image_id>/placeholder" in routes
    assert sorted(routes - documented_routes()) == [], "routes missing from docs/api.md"
    assert sorted(documented_routes() - routes) == [], "docs/api.md documents routes the app lacks"


# Links and words

def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text()
    headings = re.findall(r"^#{1,6} (.+)$", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M), re.M)
    return {slug(heading) for heading in headings} | set(re.findall(r'<a id="([^"]+)"', text))


@pytest.mark.parametrize("doc", [README, *GUIDES], ids=lambda path: path.name)
def test_links_stay_in_the_repository_and_resolve(doc):
    for target in re.findall(r"\]\(([^)\s]+)\)", without_code(doc.read_text())):
        assert not re.match(r"[a-z]+:", target), f"{doc.name} links outside the repository: {target}"
        file, _, anchor = target.partition("#")
        linked = (doc.parent / file).resolve() if file else doc
        assert linked.exists() and ROOT in linked.parents, f"{doc.name}: {target} does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{doc.name}: {target} names no heading"


@pytest.mark.parametrize("doc", [README, *GUIDES], ids=lambda path: path.name)
def test_no_internal_language(doc):
    text = doc.read_text()
    for phrase in (r"\.\./shared", r"\bcontract\b", r"\bissue \d", r"\bv[23]\b", r"\bversion [123]\b(?![.\d])"):
        assert not re.search(phrase, text, re.I), f"{doc.name} says {phrase}"

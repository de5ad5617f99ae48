"""One definition per command, seen from outside: the CLI's long options
(from ``gaprisk COMMAND --help``), the options of the OpenAPI document a
running server serves, and the keywords of the package's functions and of
``Client``'s methods are the same set for every command, but for the
options the document marks as not the service's (``x-cli-only``), which
the calls take where it says (``x-python``). The document itself is valid
OpenAPI."""

from __future__ import annotations

import inspect
import json
import re
import urllib.request

import pytest
from openapi_spec_validator import validate

import gaprisk

COMMANDS = ["run", "compare", "sweep", "sensitivity", "rare"]
#: Each call's keyword of its own: whether to show a progress bar.
SHELL_KEYWORDS = {"progress"}


def cli_options(cli, command: str) -> set[str]:
    """The long options ``gaprisk COMMAND --help`` lists, ``_`` for ``-``."""
    text = cli(command, "--help").stdout
    names = set(re.findall(r"^\s+(?:-\w, )?--([a-z][a-z-]*)", text, re.MULTILINE))
    names.discard("help")
    assert len(names) > 5, text
    return {n.replace("-", "_") for n in names}


@pytest.fixture(scope="module")
def document(server) -> dict:
    req = urllib.request.Request(
        server.url + "/v1/openapi.json", headers={"Authorization": f"Bearer {server.token}"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def served_options(document: dict, command: str) -> dict[str, dict]:
    schemas = document["components"]["schemas"]
    ref = schemas["JobRequest"]["discriminator"]["mapping"][command]
    request = schemas[ref.rsplit("/", 1)[1]]
    assert request["properties"]["command"]["const"] == command
    return request["properties"]["options"]["properties"]


def keywords(function) -> set[str]:
    """A call's keyword-only parameters but its own."""
    params = inspect.signature(function).parameters.values()
    return {p.name for p in params if p.kind is p.KEYWORD_ONLY} - SHELL_KEYWORDS


def test_the_served_document_is_valid_openapi(document):
    validate(document)
    assert document["info"]["version"] == gaprisk.__version__


@pytest.mark.parametrize("command", COMMANDS)
def test_every_shell_has_the_same_options(cli, document, command):
    on_the_command_line = cli_options(cli, command)
    served = served_options(document, command)
    assert set(served) == on_the_command_line, (
        f"only in the document: {set(served) - on_the_command_line}, "
        f"only on the command line: {on_the_command_line - set(served)}"
    )

    def taken_by(call: str) -> set[str]:
        return {
            name
            for name, schema in served.items()
            if not schema.get("x-cli-only") or call in schema.get("x-python", [])
        }

    assert keywords(getattr(gaprisk, command)) == taken_by("local")
    assert keywords(getattr(gaprisk.Client, command)) == taken_by("client")
    # The options only the command line takes, and nothing else.
    cli_only = {name for name, schema in served.items() if schema.get("x-cli-only")}
    assert cli_only <= {
        "threads",
        "quiet",
        "out",
        "checkpoint",
        "resume",
        "shard",
        "format",
        "no_report",
        "draws",
        "draws_format",
    }


@pytest.mark.parametrize("command", COMMANDS)
def test_the_keywords_take_the_documented_defaults(document, command):
    served = served_options(document, command)
    for p in inspect.signature(getattr(gaprisk, command)).parameters.values():
        if p.kind is not p.KEYWORD_ONLY or p.name in SHELL_KEYWORDS:
            continue
        assert served[p.name]["description"] in " ".join(getattr(gaprisk, command).__doc__.split())
        if served[p.name].get("x-cli-only"):
            continue  # the service takes no value of it: no default to compare
        default = served[p.name].get("default")
        if isinstance(default, (list, dict)):
            default = None
        if p.default is p.empty:
            assert p.name in document["components"]["schemas"][f"{command.title()}Request"][
                "properties"
            ]["options"].get("required", [])
        else:
            assert p.default == default, f"{command} {p.name}"

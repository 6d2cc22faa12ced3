"""MkDocs hook: write the CLI reference from the Typer app, so it cannot drift from the code.

``docs/reference/cli.md`` holds the marker ``<!-- tszoo-cli -->``; this hook replaces it with
one section per command of ``tszoo.cli:app``: its help text, its usage line and a table of
its arguments and options, each with the help and default that ``tszoo COMMAND --help``
prints. A page without the marker is an error, so a build never ships an empty reference.
"""

from __future__ import annotations

import typer.main
from mkdocs.exceptions import PluginError

MARKER = "<!-- tszoo-cli -->"
PAGE = "reference/cli.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _command_section(name: str, command, parent) -> str:
    # Typer builds its commands on its own copy of click: take the context class from them.
    ctx = command.context_class(command, info_name=name, parent=parent)
    usage = " ".join([ctx.command_path, *command.collect_usage_pieces(ctx)])
    lines = [f"## `tszoo {name}`", ""]
    help_text = (command.help or "").replace("\b\n", "").strip()
    if help_text:
        lines += [help_text, ""]
    lines += ["```text", usage, "```", ""]
    rows = [record for param in command.get_params(ctx) if (record := param.get_help_record(ctx))]
    if rows:
        lines += ["| argument or option | what it does |", "|---|---|"]
        lines += [f"| `{_cell(opt)}` | {_cell(text)} |" for opt, text in rows]
        lines.append("")
    return "\n".join(lines)


def cli_reference() -> str:
    """The markdown of every command of the ``tszoo`` app, in the app's order."""
    from tszoo.cli import app

    group = typer.main.get_command(app)
    root = group.context_class(group, info_name="tszoo")
    sections = [
        _command_section(name, group.commands[name], root) for name in group.list_commands(root)
    ]
    return "\n".join(sections)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise PluginError(f"{PAGE} lost its marker {MARKER}: the CLI reference would be empty")
    return markdown.replace(MARKER, cli_reference())

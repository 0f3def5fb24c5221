"""The re-run box that opens each executed section page: what it reproduces, how this build ran, how to re-run it.

`lib.runner` inserts it after papermill finishes; what a section reproduces is declared by its study
(lib.studies), with {cite} roles to references.bib.
"""

import json
from typing import Any

import nbformat

from lib.studies import study


def format_duration(seconds: float) -> str:
    """Seconds as '42 s', '3 min 05 s' or '1 h 02 min'."""
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def make_value(value: Any) -> str:
    """A value as `lib.runner` reads it from `key=value` (a Python literal without spaces, for make's P=...)."""
    if isinstance(value, list):
        value = tuple(value)
    return repr(value).replace(" ", "") if not isinstance(value, str) else value


def papermill_example(parameters: dict[str, Any], declared: list[str]) -> tuple[str, Any] | None:
    """The first declared parameter with a scalar value: papermill's `-p key value` reads only scalars."""
    for name in declared:
        value = parameters.get(name)
        if name != "profile" and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return name, value
    return None


def parameter_rows(parameters: dict[str, Any], declared: dict[str, dict], overrides: dict[str, Any]) -> list[str]:
    """Markdown table rows: parameter, the value this build used (bold where set explicitly), its meaning."""
    rows = []
    for name, info in declared.items():
        if name == "profile" or name not in parameters:
            continue
        shown = f"`{json.dumps(parameters[name], ensure_ascii=False)}`"
        rows.append(f"| `{name}` | {f'**{shown}**' if name in overrides else shown} | {info.get('help', '')} |")
    return rows


def rerun_box(section: str, record: dict, declared: dict[str, dict], overrides: dict[str, Any]) -> str:
    """The MyST markdown of the box; `record` is results/<section>.json, `declared` papermill's inspect_notebook."""
    params, profile = record["parameters"], record["profile"]
    explicit = " ".join(f"{k}={make_value(v)}" for k, v in overrides.items() if k != "profile")
    this_build = f'make section S={section} P="profile={profile}{" " + explicit if explicit else ""}"'
    example = papermill_example(params, list(declared))
    other = f'make section S={section} P="{example[0]}={make_value(example[1])}"' if example else \
        f"make section S={section} P=\"key=value\""
    plain = f"papermill notebooks/{section}.ipynb out.ipynb -p profile {profile}" + \
        (f" -p {example[0]} {example[1]}" if example else "")
    env = record.get("environment", {})
    wall = record.get("wall_s", record["elapsed_s"])
    rows = parameter_rows(params, declared, overrides)
    return "\n".join([
        ":::::{admonition} Re-running this page",
        ":class: tip rerun-box",
        f"**Reproduces** {study(section).reproduces}.",
        "",
        f"**This build** ran with profile `{profile}` "
        + (f"and the explicit parameters `{explicit}`" if explicit else "and no explicit parameters")
        + f" in **{format_duration(wall)}** of wall time ({env.get('device', 'unknown device')}, "
          f"torch threads: {env.get('threads', '?')}"
        + (f", load average {record['load_average']:.1f}" if "load_average" in record else "") + ").",
        "",
        "**Re-run it** (from the repository root; see [Reproducing at full scale](reproducing.md)) with "
        "these settings, or with other values, in any of these forms:",
        "",
        "```bash",
        this_build,
        other,
        plain,
        "```",
        "",
        "Each run lands in its own folder, `runs/<section>/<time>-<digest>/`, and leaves this book as it is "
        "(`PUBLISH=1` would replace this page). "
        "`lib.runner` (behind `make section`) refuses an unknown name or a disallowed value before any work; "
        f"plain papermill only warns. {{numref}}`tab-{section}-parameters` (below) lists every parameter.",
        "",
        "::::{dropdown} The parameters of this build",
        ":::{table} The parameters of this build (bold: set explicitly, the others come from the profile).",
        f":name: tab-{section}-parameters",
        "",
        "| parameter | this build | meaning |",
        "| --- | --- | --- |",
        *rows,
        ":::",
        "::::",
        ":::::",
    ])


def insert_after_title(nb: nbformat.NotebookNode, markdown: str) -> None:
    """Insert a markdown cell after the first markdown cell that opens with a '# ' title (else first)."""
    index = next((i + 1 for i, cell in enumerate(nb.cells)
                  if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# ")), 0)
    nb.cells.insert(index, nbformat.v4.new_markdown_cell(markdown, metadata={"tags": ["rerun-box"]}))

"""``rai schema NAME``: print a JSON Schema shipped with the toolkit."""

from __future__ import annotations

import click

__all__ = ["schema_command"]


def _available() -> list[str]:
    from importlib import resources

    return sorted(
        p.name.removesuffix(".schema.json")
        for p in resources.files("rai.schemas").iterdir()
        if p.name.endswith(".schema.json")
    )


@click.command("schema")
@click.argument("name", default="assessment")
def schema_command(name: str) -> None:
    """Print the JSON Schema NAME (assessment, policy, ...)."""
    import json

    from rai._exceptions import ConfigError
    from rai._schema import load_packaged_schema

    names = _available()
    if name not in names:
        raise ConfigError(f"unknown schema {name!r}; expected one of {names}.")
    click.echo(json.dumps(load_packaged_schema(name), indent=2))

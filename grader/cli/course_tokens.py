"""``grader course token``: API tokens for scripts (``Authorization: Bearer``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from grader.cli.course import context, err, fail, out, say
from grader.service.classroom.roster import LOGIN

token_app = typer.Typer(
    help="API tokens for scripts (Authorization: Bearer).", no_args_is_help=True
)


LoginOption = Annotated[str, typer.Option("--login", "-l", help="The token owner's GitHub login.")]


def valid_login(login: str) -> str:
    if not LOGIN.match(login):
        raise fail(f"{login!r} is not a GitHub login")
    return login.lower()


@token_app.command("create")
def token_create(
    login: LoginOption,
    name: Annotated[str, typer.Option("--name", "-n", help="What the token is for.")],
) -> None:
    """Create a token; its secret is printed once (only a hash is kept)."""
    owner = valid_login(login)
    if not name.strip():
        raise fail("--name is required: say what the token is for")
    with context() as ctx:
        try:
            token, secret = ctx.store.create_token(owner, name.strip())
        except ValueError as exc:
            raise fail(str(exc)) from None
    say(f"token {token.id} for {token.login} ({token.name}); the secret, shown once:", to=err)
    say(secret)


@token_app.command("list")
def token_list(login: LoginOption) -> None:
    """A login's tokens (never their secrets)."""
    owner = valid_login(login)
    with context() as ctx:
        tokens = ctx.store.tokens(owner)
    table = Table("id", "name", "created", "last used", "revoked", title=Text(f"{owner} tokens"))
    for token in tokens:
        times = (token.created_at, token.last_used_at, token.revoked_at)
        table.add_row(
            Text(str(token.id)),
            Text(token.name),
            *(Text(moment_.isoformat(timespec="seconds") if moment_ else "") for moment_ in times),
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `token list`).")],
    login: LoginOption,
) -> None:
    """Revoke one of a login's tokens."""
    owner = valid_login(login)
    with context() as ctx:
        if not ctx.store.revoke_token(owner, token_id):
            raise fail(f"{owner} has no live token {token_id}")
    say(f"token {token_id} of {owner} revoked")

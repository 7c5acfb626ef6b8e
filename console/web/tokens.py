"""API tokens for integrations: the administrator's list (name, owner, created, last used) and revoke.

Revoking closes every socket opened with the token at once, with 4401, in every process
(Runtime.revoke_token: the same path logout takes to close a user's sockets).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..auth import list_tokens, revoke_token
from ..errors import Forbidden, NotFound
from ..permissions import Permission
from .edge import CSRF_HEADER, csrf_ok, require, runtime
from .pages import shell, signed_in, templates

# What create_token issues (uuid4 hex); anything else names no token.
TOKEN_ID_PATTERN = r"^[0-9a-f]{32}$"
_TOKEN_ID = re.compile(TOKEN_ID_PATTERN)


async def tokens_api(request: Request) -> Response:
    """Every API token, newest first; never a secret."""
    await require(request, Permission.TOKENS_MANAGE)
    async with runtime(request).db.read.connect() as db:
        tokens = await list_tokens(db)
    return JSONResponse({"ok": True, "tokens": tokens})


async def revoke_api(request: Request) -> Response:
    """Revoke one token; its sockets close with 4401 everywhere. Revoking twice changes nothing."""
    caller = await require(request, Permission.TOKENS_MANAGE)
    if not csrf_ok(caller, request.headers.get(CSRF_HEADER)):
        raise Forbidden("csrf_failed")
    token_id = request.path_params["token_id"]
    if not _TOKEN_ID.match(token_id):
        raise NotFound("token_not_found")
    rt = runtime(request)
    async with rt.db.write.begin() as db:
        revoked = await revoke_token(db, token_id, rt.clock.now())
    if revoked is None:
        raise NotFound("token_not_found")
    await rt.revoke_token(token_id)
    return JSONResponse({"ok": True, "token_id": token_id, "revoked": True, "already": not revoked})


async def tokens_page(request: Request) -> Response:
    """接口令牌: the administrator's page of tokens, with revoke."""
    caller = await signed_in(request, Permission.TOKENS_MANAGE)
    if caller is None:
        return RedirectResponse("/login", status_code=303)
    async with runtime(request).db.read.connect() as db:
        tokens = await list_tokens(db)
    ctx = shell(request, caller, page="tokens", tokens=tokens)
    return templates.TemplateResponse(request, "tokens.html", ctx)


ROUTES = [
    Route("/admin/tokens", tokens_page, methods=["GET"]),
    Route("/api/tokens", tokens_api, methods=["GET"]),
    Route("/api/tokens/{token_id}/revoke", revoke_api, methods=["POST"]),
]
ACCESS = {
    ("GET", "/admin/tokens"): Permission.TOKENS_MANAGE,
    ("GET", "/api/tokens"): Permission.TOKENS_MANAGE,
    ("POST", "/api/tokens/{token_id}/revoke"): Permission.TOKENS_MANAGE,
}

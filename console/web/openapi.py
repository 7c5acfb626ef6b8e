"""The OpenAPI document at /openapi.json, built from the same pydantic models the server validates with."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from ..commands import CommandEnvelope
from ..registry import Registry


def _ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    return {"description": description, "content": content}


ERROR = {
    "type": "object",
    "required": ["ok", "error"],
    "properties": {
        "ok": {"const": False},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
    },
}


def build_openapi(registry: Registry) -> dict[str, Any]:
    """Describe every route and the arguments of every command of these domains."""
    components: dict[str, Any] = {"Error": ERROR}
    envelope = TypeAdapter(CommandEnvelope).json_schema(ref_template="#/components/schemas/{model}")
    components.update(envelope.pop("$defs", {}))
    components["CommandEnvelope"] = envelope
    variants = []
    for name, spec in sorted(registry.commands.items()):
        schema = TypeAdapter(spec.args).json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        key = "Args_" + name.replace(".", "_")
        schema["description"] = spec.summary
        components[key] = schema
        variants.append(
            {
                "type": "object",
                "title": name,
                "description": spec.summary,
                "properties": {"name": {"const": name}, "args": {"$ref": f"#/components/schemas/{key}"}},
            }
        )
    error = {"$ref": "#/components/schemas/Error"}
    secured: list[dict[str, list[str]]] = [{"session": []}, {"token": []}]
    command_body = {"allOf": [{"$ref": "#/components/schemas/CommandEnvelope"}, {"oneOf": variants}]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "信访应急指挥台 Incident Console API",
            "version": "1",
            "description": "Commands and queries. The live stream is the WebSocket /ws (docs/protocol.md).",
        },
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "ic_session"},
                "token": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": secured,
        "paths": {
            "/api/login": {
                "post": {
                    "summary": "Sign in; sets the session cookie and returns the CSRF token",
                    "security": [],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["username", "password"],
                                    "properties": {
                                        "username": {"type": "string"},
                                        "password": {"type": "string"},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {
                        "200": _ok("Signed in"),
                        "401": _ok("Wrong credentials", error),
                        "429": _ok("Throttled", error),
                    },
                }
            },
            "/api/logout": {"post": {"summary": "End the session", "responses": {"200": _ok("Signed out")}}},
            "/api/me": {"get": {"summary": "The signed-in user", "responses": {"200": _ok("User")}}},
            "/api/commands": {
                "post": {
                    "summary": "Run a command; repeating its id returns the first result and appends nothing",
                    "parameters": [
                        {
                            "name": "X-CSRF-Token",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "Required with a session cookie; not with a bearer token.",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": command_body}},
                    },
                    "responses": {
                        "200": _ok("Accepted (or the first result of a repeated id)"),
                        "403": _ok("Not allowed", error),
                        "404": _ok("Not found", error),
                        "409": _ok("Refused by the domain", error),
                        "422": _ok("Malformed", error),
                    },
                }
            },
            "/api/incidents": {
                "get": {
                    "summary": "Incidents, newest first",
                    "parameters": [{"name": "status", "in": "query", "schema": {"enum": ["open", "closed"]}}],
                    "responses": {"200": _ok("Incidents")},
                }
            },
            "/api/incidents/{incident_id}": {
                "get": {
                    "summary": "One incident with its timeline notes",
                    "parameters": [
                        {"name": "incident_id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": _ok("Incident"), "404": _ok("Not found", error)},
                }
            },
            "/api/events": {
                "get": {
                    "summary": "Events after a position, as the WebSocket would send them",
                    "parameters": [
                        {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}},
                    ],
                    "responses": {"200": _ok("Events")},
                }
            },
            "/api/state": {
                "get": {
                    "summary": "Snapshot and the position it was read at",
                    "responses": {"200": _ok("State")},
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Database reachable, listener alive",
                    "security": [],
                    "responses": {"200": _ok("Healthy"), "503": _ok("Unhealthy")},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "security": [],
                    "responses": {"200": {"description": "Text"}},
                }
            },
        },
    }

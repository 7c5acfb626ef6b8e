"""Load playbooks from YAML; every problem names the file, line and field, and nothing raises."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from playbooks.facts import IncidentType
from playbooks.model import Playbook, PlaybookSnapshot
from playbooks.validation import Loc, format_loc, playbook_problems, policy_problems

LIBRARY_DIR = Path(__file__).parent / "library"


@dataclass(frozen=True)
class LoadError:
    """A problem in a playbook file; `line` is 1-based, `field` a path like `steps[3].due.minutes`."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field or '(file)'}: {self.message}"


@dataclass(frozen=True)
class ParseResult:
    """One file's outcome: a snapshot, or the errors that kept it out."""

    snapshot: PlaybookSnapshot | None
    errors: tuple[LoadError, ...] = ()


@dataclass(frozen=True)
class Library:
    """The playbooks that loaded, in file-name order, and the errors of those that did not."""

    playbooks: tuple[PlaybookSnapshot, ...]
    errors: tuple[LoadError, ...]

    def get(self, playbook_id: str) -> PlaybookSnapshot | None:
        """The playbook with this id, if it loaded."""
        return next((s for s in self.playbooks if s.playbook.id == playbook_id), None)

    def for_incident(self, incident_type: IncidentType) -> PlaybookSnapshot | None:
        """The first playbook (in file-name order) that serves `incident_type`."""
        return next((s for s in self.playbooks if incident_type in s.playbook.serves), None)


def load_library(directory: Path = LIBRARY_DIR) -> Library:
    """Load every `*.yaml` in `directory`; broken files become errors, never exceptions."""
    try:
        paths = sorted(directory.glob("*.yaml"))
    except OSError as exc:
        return Library((), (LoadError(str(directory), None, "", f"cannot list the library: {exc}"),))
    loaded: list[PlaybookSnapshot] = []
    errors: list[LoadError] = []
    for path in paths:
        try:
            result = load_playbook(path)
        except Exception as exc:  # one strange file must not take the whole library down
            result = ParseResult(None, (LoadError(str(path), None, "", f"unexpected error: {exc!r}"),))
        errors += result.errors
        snap = result.snapshot
        if snap is not None and any(s.playbook.id == snap.playbook.id for s in loaded):
            errors.append(
                LoadError(str(path), None, "id", f"playbook id '{snap.playbook.id}' is already used")
            )
        elif snap is not None:
            loaded.append(snap)
    return Library(tuple(loaded), tuple(errors))


def load_playbook(path: Path) -> ParseResult:
    """Load one playbook file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return ParseResult(None, (LoadError(str(path), None, "", f"cannot read the file: {exc}"),))
    return parse_playbook(text, file=str(path))


def known_policies() -> frozenset[str]:
    """The ids of the escalation policies notify steps may name (the console's policy book)."""
    from alerts.policy import builtin_book

    return frozenset(p.id for p in builtin_book().policies)


def parse_playbook(text: str, *, file: str, policies: frozenset[str] | None = None) -> ParseResult:
    """Parse and validate one playbook's YAML text; `file` is only used in error messages. A notify
    step's policy must be one of `policies` when given; the library loads without a book (the office's
    policies are in the database too) and the name is checked against the book in force when an
    incident starts the playbook (console.incidents: `playbook_policy_unknown`)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.SafeLoader(text).construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return _fail(LoadError(file, line, "", f"not valid YAML: {getattr(exc, 'problem', None) or exc}"))
    if root is None:
        return _fail(LoadError(file, 1, "", "the file is empty"))
    if not isinstance(root, MappingNode):
        return _fail(LoadError(file, root.start_mark.line + 1, "", "a playbook must be a mapping of fields"))
    duplicates = [
        LoadError(file, line, field, "this key appears twice") for line, field in _duplicate_keys(root)
    ]
    if duplicates:
        return ParseResult(None, tuple(duplicates))
    try:
        playbook = Playbook.model_validate(data, context={"skip_cross_checks": True})
    except ValidationError as exc:
        errors = [_located(file, root, tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        return ParseResult(None, tuple(errors))
    problems = playbook_problems(playbook)
    if policies is not None and playbook.named_policies():
        problems += policy_problems(playbook, policies)
    if problems:
        return ParseResult(None, tuple(_located(file, root, p.loc, p.message, exact=True) for p in problems))
    return ParseResult(PlaybookSnapshot.pin(playbook))


def _fail(error: LoadError) -> ParseResult:
    return ParseResult(None, (error,))


def _located(file: str, root: Node, loc: Loc, message: str, *, exact: bool = False) -> LoadError:
    """Map a location onto the YAML node tree to find the line; `exact` keeps all of `loc` as the field."""
    node, line = root, root.start_mark.line + 1
    found: list[str | int] = []
    for part in loc:
        child: Node | None = None
        if isinstance(node, MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == part:
                    child, line = value, key.start_mark.line + 1
                    break
            else:
                found.append(part)  # a missing field: name it, point at its parent
                break
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break  # pydantic's own path parts (union members, validators) have no YAML node
        node = child
        found.append(part)
    return LoadError(file, line, format_loc(loc if exact else tuple(found)), message)


def _duplicate_keys(node: Node, loc: Loc = ()) -> list[tuple[int, str]]:
    """Keys given twice in one mapping, which YAML would otherwise silently overwrite."""
    out: list[tuple[int, str]] = []
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else str(key.start_mark)
            if name in seen:
                out.append((key.start_mark.line + 1, format_loc((*loc, name))))
            seen.add(name)
            out += _duplicate_keys(value, (*loc, name))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            out += _duplicate_keys(item, (*loc, i))
    return out

"""The alerts decisions (pure): channels entered, an attempt's outcome, an escalation, an acknowledgement."""

from __future__ import annotations

from alerts.adapter import check_url
from alerts.channels import IN_APP
from alerts.policy import next_step
from alerts.quiet import QuietHoursError, parse_span
from alerts.schedule import after_failure
from responders.status import Move, ResponderStatus, StatusError, check_move

from ..clock import parse_iso, utc_iso
from ..commands import Context, Decision
from ..errors import DomainError, Forbidden, InvalidInput, NotFound
from ..events import VISIBILITY_AUDIT, NewEvent
from ..incidents.events import stream_of
from ..responders.events import ResponderMoved
from .commands import (
    Acknowledge,
    AcknowledgeByLink,
    AckRoute,
    Escalate,
    RecordAttempt,
    RecordAttempts,
    Resend,
    SetChannels,
)
from .config import alert_settings
from .events import (
    AlertAcknowledged,
    AlertEscalated,
    AlertResent,
    AttemptRecorded,
    ChannelsSet,
    NextTry,
    alert_stream,
)
from .store import (
    AlertState,
    AttemptsState,
    AttemptState,
    ChannelsState,
    EscalationState,
    ResendState,
    outbox_id,
)


def decide_set_channels(state: ChannelsState, args: SetChannels, ctx: Context) -> Decision:
    """Channels are checked with apprise as they are entered: one it cannot use refuses them all."""
    if state.person_id is None or not state.known_person:
        raise NotFound("person_not_found")
    if not state.is_admin:
        raise Forbidden()
    urls = [u.strip() for u in args.channels]
    for i, url in enumerate(urls, start=1):
        reason = None if url == IN_APP else check_url(url)
        if reason is not None:
            raise InvalidInput("channel_refused", index=i, detail=f"#{i}: {reason}")
    if len(set(urls)) != len(urls):
        raise InvalidInput("channel_refused", index=0, detail="the same channel is listed twice")
    quiet = None
    if args.quiet_hours.strip():
        try:
            quiet = parse_span(args.quiet_hours, ctx.settings.timezone)
        except QuietHoursError as exc:
            raise InvalidInput("quiet_hours_refused", detail=str(exc)) from None
    payload = ChannelsSet(person_id=state.person_id, channels=urls, locale=args.locale, quiet_hours=quiet)
    return Decision(events=[NewEvent(stream=f"alert-person-{state.person_id}", payload=payload)])


def decide_record_attempt(state: AttemptState | None, args: RecordAttempt, ctx: Context) -> Decision:
    """What an attempt came to, and what it leads to: a retry later, the next channel, or nothing left."""
    if state is None:
        raise NotFound("alert_not_found")
    if state.row.state != "pending":
        raise DomainError("attempt_closed")
    return Decision(events=[_attempt_event(state, args, ctx)])


def decide_record_attempts(state: AttemptsState, args: RecordAttempts, ctx: Context) -> Decision:
    """A claimed batch's attempts in one transaction, one event each. An attempt already recorded (by
    another sender that raced for it, or before a crash) or unknown is left out, not refused: the rest of
    the batch is still recorded, and each attempt once."""
    events: list[NewEvent] = []
    recorded: list[str] = []
    skipped: list[str] = []
    for outcome in args.attempts:
        one = state.by_id.get(outcome.outbox_id)
        if one is None or one.row.state != "pending" or outcome.outbox_id in recorded:
            skipped.append(outcome.outbox_id)
            continue
        events.append(_attempt_event(one, outcome, ctx))
        recorded.append(outcome.outbox_id)
    return Decision(events=events, result={"recorded": len(recorded), "skipped": len(skipped)})


def _attempt_event(state: AttemptState, args: RecordAttempt, ctx: Context) -> NewEvent:
    row = state.row
    nxt: NextTry | None = None
    exhausted = False
    if not args.ok:
        found = after_failure(
            alert_settings(ctx.settings).retry,
            channel_index=row.channel_index,
            attempt_no=row.attempt_no,
            channels=len(state.channels),
            key=row.id,
            now=ctx.now,
        )
        if (
            row.resend
            and state.page_state == "delivered"
            and (found is None or found.channel_index != row.channel_index)
        ):
            # A resend of one channel of a page another channel delivered: its own retries only; the
            # person's other channels are not sent the page again.
            pass
        elif found is None or found.channel_index >= len(state.channels):
            exhausted = True
        else:
            channel = state.channels[found.channel_index]
            nxt = NextTry(
                id=outbox_id(
                    row.incident_id,
                    row.alert_id,
                    row.person_id,
                    row.level,
                    row.round,
                    found.channel_index,
                    found.attempt_no,
                    resend=row.resend,
                ),
                channel_index=found.channel_index,
                attempt_no=found.attempt_no,
                kind=channel.kind,
                fingerprint=channel.fingerprint,
                due_at=utc_iso(found.due_at),
            )
    payload = AttemptRecorded(
        outbox_id=row.id,
        alert_id=row.alert_id,
        incident_id=row.incident_id,
        person_id=row.person_id,
        kind=row.kind,
        fingerprint=row.fingerprint,
        attempt_no=row.attempt_no,
        ok=args.ok,
        status=args.status,
        reason=args.reason,
        latency_ms=args.latency_ms,
        next=nxt,
        exhausted=exhausted,
    )
    # An attempt is the delivery log's record (read from the projections and the log) and no live
    # screen draws it: on the audit stream only (reviewers, admins). Sent to every screen, a busy worker
    # would fan out one event per message to all of them and slow the live screens.
    return NewEvent(stream=alert_stream(row.incident_id), payload=payload, visibility=VISIBILITY_AUDIT)


def decide_escalate(state: EscalationState | None, args: Escalate, ctx: Context) -> Decision:
    """The level's timeout passed unacknowledged: page the next round or level, or record the end."""
    if state is None:
        raise NotFound("alert_not_found")
    alert = state.alert
    if alert.state != "open" or (alert.level, alert.round) != (args.level, args.round):
        raise DomainError("escalation_stale")
    if alert.next_at is None or parse_iso(alert.next_at) > ctx.now:
        raise DomainError("escalation_not_due")
    step = next_step(state.chain, alert.level, alert.round, ctx.now)
    if step is None:
        payload = AlertEscalated(
            alert_id=alert.id,
            incident_id=alert.incident_id,
            level=alert.level,
            round=alert.round,
            people=[],
            next_at=None,
            exhausted=True,
        )
    else:
        payload = AlertEscalated(
            alert_id=alert.id,
            incident_id=alert.incident_id,
            level=step.level,
            round=step.round,
            people=state.people_at.get(step.level, []),
            next_at=utc_iso(step.next_at),
        )
    return Decision(events=[NewEvent(stream=alert_stream(alert.incident_id), payload=payload)])


def _ack(state: AlertState | None, route: AckRoute, via: str) -> Decision:
    if state is None:
        raise NotFound("alert_not_found")
    if state.person_id is None:
        raise Forbidden("not_a_responder")
    if not state.pages:
        raise DomainError("not_paged")
    if all(p.state == "acknowledged" for p in state.pages):
        raise DomainError("already_acknowledged")
    alert = state.alert
    payload = AlertAcknowledged(
        alert_id=alert.id,
        incident_id=alert.incident_id,
        person_id=state.person_id,
        level=alert.level,
        route=route,
        via=via,
    )
    events = [NewEvent(stream=alert_stream(alert.incident_id), payload=payload)]
    dispatch = _dispatch_acknowledged(state)
    if dispatch is not None:
        events.append(NewEvent(stream=stream_of(alert.incident_id), payload=dispatch))
    return Decision(events=events, result={"alert_id": alert.id, "level": alert.level})


def _dispatch_acknowledged(state: AlertState) -> ResponderMoved | None:
    """确认派遣 with the page of a dispatch: the same act, recorded once. After the page's own event,
    so the projector of the dispatch acknowledgement finds the page acknowledged already (no loop);
    a dispatch already acknowledged, or moved on (en route, released), is left as it is."""
    incident_id = state.alert.incident_id
    person = state.responder
    if person is None or state.person_id is None:
        return None
    held = person.assignment(incident_id)
    if held is None or held.status is not ResponderStatus.DISPATCHED:
        return None
    try:
        after = check_move(person, incident_id, Move.ACKNOWLEDGE)
    except StatusError:
        return None
    now_held = after.assignment(incident_id)
    return ResponderMoved(
        person_id=state.person_id,
        move=Move.ACKNOWLEDGE,
        status=now_held.status if now_held is not None else ResponderStatus.ACKNOWLEDGED,
        incident_id=incident_id,
    )


def decide_ack(state: AlertState | None, args: Acknowledge, ctx: Context) -> Decision:
    """确认收到 from a console page: stops the person's remaining attempts and the alert's escalation."""
    return _ack(state, AckRoute.CONSOLE, "")


def decide_ack_link(state: AlertState | None, args: AcknowledgeByLink, ctx: Context) -> Decision:
    """确认收到 through a signed link (verified by the route before this command is sent)."""
    return _ack(state, AckRoute.LINK, args.via)


def decide_resend(state: ResendState | None, args: Resend, ctx: Context) -> Decision:
    """重新发送: a failed attempt goes out again with a fresh dedupe key, linked to the one it repeats.
    Only while the alert still wants the person to know (not acknowledged, not ended) and nothing of
    the page is waiting or in flight (two resends would page the person twice)."""
    if state is None:
        raise NotFound("alert_not_found")
    row, alert = state.row, state.alert
    if alert.state == "closed":
        raise DomainError("resend_closed")
    if alert.state == "acknowledged" or state.page_state == "acknowledged":
        raise DomainError("resend_acknowledged")
    if row.state != "failed":
        raise DomainError("resend_not_failed")
    if state.pending:
        raise DomainError("resend_in_flight")
    # The person's channel at that place now: a URL fixed since the failure is the one used.
    index = row.channel_index if row.channel_index < len(state.channels) else 0
    channel = state.channels[index]
    resend = state.resends + 1
    payload = AlertResent(
        outbox_id=outbox_id(
            row.incident_id, row.alert_id, row.person_id, row.level, row.round, index, 1, resend=resend
        ),
        resend_of=row.id,
        alert_id=row.alert_id,
        incident_id=row.incident_id,
        person_id=row.person_id,
        level=row.level,
        round=row.round,
        channel_index=index,
        kind=channel.kind,
        fingerprint=channel.fingerprint,
        resend=resend,
    )
    event = NewEvent(stream=alert_stream(row.incident_id), payload=payload)
    return Decision(events=[event], result={"outbox_id": payload.outbox_id})

"""geoplatform.cases.photos: photos of a case, before (the report) and after (the disposal).

Who may add photos follows the loop: the reporter shows the problem while the
case waits to be registered (``photo_before``); the department the case is
dispatched to shows its work while handling it (``photo_after``); a supervisor
from outside that department shows what the check found (``photo_after``).
Everyone else who may see the case is refused (403); a case the caller may not
see does not exist for it (404, the rules of ``GET /cases/{id}``); a photo the
case's state does not take is a conflict (409).

Adding photos is one store transaction, run by ``CaseService._once`` so it shares
the idempotency table and semantics of every other case write (reliability
R11): the ``gp_case_media`` rows, one ``photo`` history row, the audit row and
the stored answer commit together; the files are linked into the media
directory only after that commit (FS-09). A retry with the same key re-links the
files of its own upload, which repairs a crash between commit and link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from geoplatform.auth.principals import Principal, Role
from geoplatform.cases import records
from geoplatform.cases.lifecycle import REPORTERS, STATUS_LABELS, State
from geoplatform.cases.media import FORMATS, CleanPhoto, MediaStore, clean_photo
from geoplatform.cases.records import CaseRow, Event
from geoplatform.cases.service import CaseService, check_key
from geoplatform.errors import (
    Conflict,
    Forbidden,
    GeoPlatformError,
    InvalidParameter,
    NotFound,
)
from geoplatform.settings import MediaSettings
from geoplatform.store.editing import FeatureEdit
from geoplatform.store.values import utc_text
from geoplatform.web.answer import Answer

BEFORE = "photo_before"
AFTER = "photo_after"
KINDS = (BEFORE, AFTER)
MAX_PER_REQUEST = 4
MAX_PER_CASE = 48
"""Photos one case may hold; bounds what a reporter can pile onto its own case."""
HISTORY_ACTION = "photo"


@dataclass(frozen=True)
class Upload:
    """What a request carries: the raw photo files and the optional kind."""

    photos: Sequence[bytes]
    kind: str | None = None


@dataclass(frozen=True)
class Grant:
    """One way a caller may add photos: which kind, in which states, acting as whom."""

    kind: str
    states: frozenset[State]
    role: str


@dataclass(frozen=True)
class StoredPhoto:
    """A photo's bytes as served."""

    data: bytes
    media_type: str
    sha256: str


_BEFORE_STATES = frozenset({State.reported, State.verifying, State.registered})
_HANDLING_STATES = frozenset({State.in_progress, State.disposed})
_CHECK_STATES = frozenset({State.checking})
_COLUMNS = "case_id, sha256, kind, media_type, bytes, width, height, event_seq, added_by, added_at"


def grants(principal: Principal, row: CaseRow) -> list[Grant]:
    """Every way ``principal`` may add photos to the case, whatever its state now."""
    found = []
    if row.reporter_id == principal.id:
        role = next((r.value for r in Role if r in REPORTERS and principal.has(r)), "reporter")
        found.append(Grant(BEFORE, _BEFORE_STATES, role))
    in_department = row.responsible_org is not None and principal.org_code == row.responsible_org
    if principal.has(Role.handler) and in_department:
        found.append(Grant(AFTER, _HANDLING_STATES, Role.handler.value))
    if principal.has(Role.supervisor) and not (in_department or principal.id == row.handler_id):
        found.append(Grant(AFTER, _CHECK_STATES, Role.supervisor.value))
    return found


def choose(principal: Principal, row: CaseRow, kind: str | None) -> Grant:
    """The grant this request acts under: 403 when none fits, 409 when the state forbids."""
    mine = grants(principal, row)
    if kind is not None:
        mine = [g for g in mine if g.kind == kind]
    if not mine:
        wanted = f"'{kind}' photos" if kind else "photos"
        raise Forbidden(
            f"{wanted} of this case are added by its reporter (before), the department "
            "handling it or a checking supervisor (after)"
        )
    state = State(row.status)
    for grant in mine:
        if state in grant.states:
            return grant
    kinds = ", ".join(sorted({f"{g.kind} while {_states(g.states)}" for g in mine}))
    raise Conflict(
        f"no photos can be added while the case is {state.value} ({STATUS_LABELS[state]}); "
        f"you may add {kinds}"
    )


def _states(states: frozenset[State]) -> str:
    return "/".join(s.value for s in State if s in states)


class PhotoService:
    """Adding, listing and serving case photos.

    Built over the ``CaseService`` rather than over the store alone: the write
    must run in the case loop's own transaction helper (same idempotency table,
    same refusal audit, same clock and base URL) and the reads must apply the
    very rules that decide who sees a case.
    """

    def __init__(self, cases: CaseService, media: MediaStore, settings: MediaSettings) -> None:
        self.cases = cases
        self.media = media
        self.max_photo_bytes = settings.max_photo_bytes
        self.max_pixels = settings.max_pixels

    @classmethod
    def from_settings(cls, cases: CaseService, settings: MediaSettings) -> PhotoService:
        """The service over ``settings.media_dir``."""
        return cls(cases, MediaStore(Path(settings.media_dir)), settings)

    # -- writes ---------------------------------------------------------------------------

    def require_login(self, principal: Principal) -> None:
        """401 for the anonymous public, before anything else is looked at."""
        self.cases._need_login(principal)

    def preflight(self, principal: Principal, case_id: str, key: str | None) -> None:
        """Refuse early (401, 400, 404, 403, 409) before a large body is read.

        A key that already has an answer is let through: its replay must give that
        answer even if the case has moved on since.
        """
        self.cases._need_login(principal)
        key = check_key(key)
        target = _target(case_id)
        try:
            with self.cases.store.edit() as edit:
                if records.stored_answer(edit, principal.id, key) is not None:
                    return
                row = self.cases._visible(edit, principal, case_id)
                choose(principal, row, None)
        except GeoPlatformError as error:
            if error.status_code in (403, 404):
                self.cases._audit_refusal(principal, f"POST {target} -", error)
            raise

    def add(self, principal: Principal, case_id: str, upload: Upload, key: str | None) -> Answer:
        """``POST /cases/{id}/photos``: clean, quarantine, commit, then link."""
        self.cases._need_login(principal)
        key = check_key(key)
        kind = _kind(upload.kind)
        if not 1 <= len(upload.photos) <= MAX_PER_REQUEST:
            raise InvalidParameter(
                f"send 1 to {MAX_PER_REQUEST} 'photo' file parts", parameter="photo"
            )
        fingerprint = _fingerprint(case_id, upload)
        cleaned = _unique(
            clean_photo(raw, max_bytes=self.max_photo_bytes, max_pixels=self.max_pixels)
            for raw in upload.photos
        )
        parts: dict[str, Path] = {}
        try:
            for photo in cleaned:
                parts[photo.sha256] = self.media.quarantine(photo.data)
            answer = self.cases._once(
                principal,
                key,
                fingerprint,
                lambda edit, now: self._attach(edit, now, principal, case_id, kind, cleaned),
            )
            if answer.status < 300:
                for photo in cleaned:
                    self.media.link(parts.pop(photo.sha256), photo)
            return answer
        finally:
            for part in parts.values():
                self.media.discard(part)

    def _attach(
        self,
        edit: FeatureEdit,
        now: dt.datetime,
        principal: Principal,
        case_id: str,
        kind: str | None,
        photos: list[CleanPhoto],
    ) -> Answer:
        row = records.read_case(edit, case_id, lock=True)
        if row is None or not self.cases._may_read(principal, row):
            raise NotFound(f"no case '{case_id[:64]}'")
        grant = choose(principal, row, kind)
        held = self._rows(edit, case_id)
        known = {r["sha256"]: r for r in held}
        new = [p for p in photos if p.sha256 not in known]
        if len(held) + len(new) > MAX_PER_CASE:
            raise Conflict(f"a case holds at most {MAX_PER_CASE} photos")
        stamp = utc_text(now)
        if new:
            seq = records.last_seq(edit, case_id) + 1
            records.append_event(
                edit,
                Event(case_id, seq, HISTORY_ACTION, row.status, row.status, principal.id,
                      grant.role, principal.org_code, stamp, grant.kind,
                      {"photos": [p.sha256 for p in new], "version": row.version}),
            )  # fmt: skip
            for photo in new:
                values = (
                    case_id, photo.sha256, grant.kind, photo.format.media_type, len(photo.data),
                    photo.width, photo.height, seq, principal.id, stamp,
                )  # fmt: skip
                edit.execute(
                    f"INSERT INTO {edit.table('gp_case_media')} ({_COLUMNS}) "
                    f"VALUES ({', '.join([edit.mark] * 10)})",
                    values,
                )
                known[photo.sha256] = _row(values)
        status = 201 if new else 200
        records.audit(edit, stamp, principal.id, "POST", _target(case_id), status)
        listed = [known[p.sha256] for p in photos]
        body = self._document(case_id, listed, staff=principal.is_staff)
        headers = {"Location": f"{self.cases.base_url}{_target(case_id)}"} if new else {}
        return Answer(status, orjson.dumps(body), headers)

    # -- reads ----------------------------------------------------------------------------

    def list_photos(self, principal: Principal, case_id: str) -> Answer:
        """``GET /cases/{id}/photos``: every photo of a case the caller may see."""
        reader = records.Reader(self.cases.store)
        self.cases._visible(reader, principal, case_id)
        rows = self._rows(reader, case_id)
        body = self._document(case_id, rows, staff=principal.is_staff)
        return Answer(200, orjson.dumps(body), {})

    def photo(self, principal: Principal, case_id: str, sha256: str) -> StoredPhoto:
        """``GET /cases/{id}/photos/{sha256}``: the bytes of one photo of a visible case."""
        reader = records.Reader(self.cases.store)
        self.cases._visible(reader, principal, case_id)
        found = (
            reader.execute(
                f"SELECT media_type FROM {reader.table('gp_case_media')} "
                f"WHERE case_id = {reader.mark} AND sha256 = {reader.mark}",
                (case_id, sha256),
            ).fetchone()
            if _is_sha256(sha256)
            else None
        )
        media_type = None if found is None else str(found[0])
        if media_type not in FORMATS:
            raise NotFound("no such photo of this case")
        data = self.media.read(sha256, FORMATS[media_type].extension)
        if data is None:
            raise NotFound("the file of this photo is not available")
        return StoredPhoto(data, media_type, sha256)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _rows(edit: FeatureEdit | records.Reader, case_id: str) -> list[dict[str, Any]]:
        rows = edit.execute(
            f"SELECT {_COLUMNS} FROM {edit.table('gp_case_media')} "
            f"WHERE case_id = {edit.mark} ORDER BY event_seq, added_at, sha256",
            (case_id,),
        ).fetchall()
        return [_row(tuple(r)) for r in rows]

    def _document(self, case_id: str, rows: list[dict[str, Any]], *, staff: bool) -> dict[str, Any]:
        base = f"{self.cases.base_url}{_target(case_id)}"
        photos = []
        for r in rows:
            entry = {
                "sha256": r["sha256"],
                "kind": r["kind"],
                "href": f"{base}/{r['sha256']}",
                "type": r["media_type"],
                "width": r["width"],
                "height": r["height"],
                "bytes": r["bytes"],
                "addedAt": r["added_at"],
            }
            if staff:
                entry["addedBy"] = r["added_by"]
            photos.append(entry)
        return {
            "id": case_id,
            "photos": photos,
            "links": [
                {"rel": "self", "href": base, "type": "application/json"},
                {
                    "rel": "up",
                    "href": f"{self.cases.base_url}/cases/{case_id}",
                    "type": "application/json",
                },
            ],
        }


def _row(values: tuple[Any, ...]) -> dict[str, Any]:
    names = [c.strip() for c in _COLUMNS.split(",")]
    row = dict(zip(names, values, strict=True))
    for name in ("bytes", "width", "height", "event_seq"):
        if row[name] is not None:
            row[name] = int(row[name])
    return row


def _kind(kind: str | None) -> str | None:
    if kind is None or kind == "":
        return None
    if kind not in KINDS:
        raise InvalidParameter(f"kind: one of {', '.join(KINDS)}", parameter="kind")
    return kind


def _unique(photos: Any) -> list[CleanPhoto]:
    """The cleaned photos in order, each hash once (the same picture sent twice)."""
    seen: dict[str, CleanPhoto] = {}
    for photo in photos:
        seen.setdefault(photo.sha256, photo)
    return list(seen.values())


def _target(case_id: str) -> str:
    return f"/cases/{case_id}/photos"


def _fingerprint(case_id: str, upload: Upload) -> str:
    """What identifies an upload for idempotency: the case, the kind and the exact files.

    Built from the files, not from the multipart body, so a client that retries
    with a new multipart boundary is still recognised as the same request.
    """
    digest = hashlib.sha256(f"POST {_target(case_id)}\n{upload.kind or ''}\n".encode())
    for raw in upload.photos:
        digest.update(hashlib.sha256(raw).digest())
    return f"POST {_target(case_id)} {digest.hexdigest()}"


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)

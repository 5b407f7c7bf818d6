"""Photos of a case over HTTP: metadata stripped, formats and caps enforced, the loop's rules
on who adds what, idempotent uploads, and all-or-nothing writes with files linked after commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from geoplatform.auth.principals import Principal
from geoplatform.cases import records
from geoplatform.cases.calendar import WorkCalendar
from geoplatform.cases.lifecycle import State
from geoplatform.cases.media import MediaStore, clean_photo, cleanup_quarantine
from geoplatform.cases.photos import PhotoService, Upload
from geoplatform.cases.service import CaseService
from geoplatform.cases.timelimits import TimeLimitTable
from geoplatform.catalog import LayerCatalog
from geoplatform.errors import Conflict, PayloadTooLarge, SchemaViolation, UnsupportedMediaType
from geoplatform.hexapi.service import HexService
from tests.case_loop import Loop
from tests.cases.test_loop import STEPS, act, body_for, key, report

GPS_IFD = 34853
ORIENTATION = 0x0112


# -- images -----------------------------------------------------------------------------------


def pixels(width: int = 48, height: int = 24, mode: str = "RGB") -> Image.Image:
    """A small image of random pixels: no other test, nor an earlier run, produces its hash."""
    size = width * height * Image.getmodebands(mode)
    return Image.frombytes(mode, (width, height), os.urandom(size))


def jpeg_with_gps(width: int = 48, height: int = 24) -> bytes:
    """A camera-like JPEG: GPS position, camera make, time, orientation 6 (turn 90° right)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "Canon"
    exif[0x0132] = "2026:05:01 08:30:00"
    exif[GPS_IFD] = {1: "N", 2: (31.0, 58.0, 30.0), 3: "E", 4: (120.0, 52.0, 10.0)}
    buffer = io.BytesIO()
    pixels(width, height).save(buffer, "JPEG", exif=exif, comment=b"taken at home")
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the input does carry GPS
    return data


def png(width: int = 30, height: int = 20) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address")
    buffer = io.BytesIO()
    pixels(width, height).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


# -- helpers -----------------------------------------------------------------------------------


def reported_by(loop: Loop, who: str, state: State = State.reported) -> str:
    created = report(loop, who=who)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    for action, actor in STEPS[state]:
        moved = act(loop, case_id, action, actor, **body_for(action))
        assert moved.status_code == 200, (action, moved.text)
    return case_id


def closed_case(loop: Loop, who: str) -> str:
    case_id = reported_by(loop, who, State.checked)
    assert act(loop, case_id, "close", "acceptor").status_code == 200
    return case_id


def upload(
    loop: Loop,
    case_id: str,
    who: str,
    *files: bytes,
    kind: str | None = None,
    idempotency_key: str | None = None,
    name: str = "photo.jpg",
) -> Any:
    return loop.client.post(
        f"/cases/{case_id}/photos",
        files=[("photo", (name, data, "image/jpeg")) for data in files],
        data={"kind": kind} if kind else None,
        headers=loop.callers[who].headers | {"Idempotency-Key": idempotency_key or key()},
    )


def listed(loop: Loop, case_id: str, who: str = "acceptor") -> list[dict[str, Any]]:
    answer = loop.client.get(f"/cases/{case_id}/photos", headers=loop.callers[who].headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["photos"]


def media_rows(loop: Loop, case_id: str) -> int:
    with loop.store.edit() as edit:
        return int(
            edit.execute(
                f"SELECT count(*) FROM {edit.table('gp_case_media')} WHERE case_id = {edit.mark}",
                (case_id,),
            ).fetchone()[0]
        )


def media_dir(loop: Loop) -> Path:
    return Path(loop.settings.media.media_dir)


def linked(loop: Loop, sha256: str) -> list[Path]:
    root = media_dir(loop)
    return [p for p in root.glob(f"*/{sha256}.*") if p.parent.name != "quarantine"]


def quarantined(loop: Loop) -> set[str]:
    directory = media_dir(loop) / "quarantine"
    return {p.name for p in directory.glob("*.part")} if directory.is_dir() else set()


# -- metadata and formats ----------------------------------------------------------------------


def test_a_citizen_photo_loses_its_gps_exif_and_is_turned_upright(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    sent = upload(loop, case_id, "citizen", jpeg_with_gps(48, 24))
    assert sent.status_code == 201, sent.text
    assert sent.headers["location"].endswith(f"/cases/{case_id}/photos")
    [photo] = sent.json()["photos"]
    assert photo["kind"] == "photo_before"
    assert (photo["width"], photo["height"]) == (24, 48)  # orientation 6 applied
    served = loop.client.get(photo["href"], headers=loop.callers["citizen"].headers)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["etag"] == f'"{photo["sha256"]}"'
    assert served.headers["cache-control"] == "private"
    assert hashlib.sha256(served.content).hexdigest() == photo["sha256"]
    assert len(served.content) == photo["bytes"]
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (24, 48)
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info and "icc_profile" not in image.info
    assert "comment" not in image.info and "xmp" not in image.info
    assert b"Exif\x00\x00" not in served.content and b"Canon" not in served.content
    assert linked(loop, photo["sha256"])


def test_a_photo_is_revalidated_by_its_hash(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    [photo] = upload(loop, case_id, "citizen", png()).json()["photos"]
    again = loop.client.get(
        photo["href"],
        headers=loop.callers["citizen"].headers | {"If-None-Match": f'"{photo["sha256"]}"'},
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == f'"{photo["sha256"]}"'


def test_png_is_taken_without_its_text_chunks(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    sent = upload(loop, case_id, "citizen", png(30, 20), name="photo.png")
    assert sent.status_code == 201, sent.text
    [photo] = sent.json()["photos"]
    assert (photo["width"], photo["height"]) == (30, 20)
    served = loop.client.get(photo["href"], headers=loop.callers["acceptor"].headers)
    assert served.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "PNG" and "Comment" not in image.info
    assert [p["sha256"] for p in listed(loop, case_id)] == [photo["sha256"]]


def test_a_text_file_named_jpg_is_refused(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    sent = upload(loop, case_id, "citizen", b"just some text, not a photo\n" * 20)
    assert sent.status_code == 415, sent.text
    assert sent.json()["code"] == "UnsupportedMediaType"
    assert "JPEG, PNG or WebP" in sent.json()["description"]
    assert listed(loop, case_id) == []


def test_a_truncated_jpeg_is_422(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    data = jpeg_with_gps(64, 64)
    sent = upload(loop, case_id, "citizen", data[: len(data) // 2])
    assert sent.status_code == 422, sent.text
    assert sent.json()["code"] == "SchemaViolation"
    assert media_rows(loop, case_id) == 0


def test_a_photo_over_10_mib_is_413(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    big = b"\xff\xd8\xff\xe0" + os.urandom(10 * 1024 * 1024 + 100)
    sent = upload(loop, case_id, "citizen", big)
    assert sent.status_code == 413, sent.text
    assert sent.json()["code"] == "PayloadTooLarge"
    assert media_rows(loop, case_id) == 0


@pytest.mark.parametrize("size", [(50_000, 50_000), (7_000, 7_000)])
def test_a_decompression_bomb_is_refused_without_decoding(
    loop: Loop, size: tuple[int, int]
) -> None:
    case_id = reported_by(loop, "citizen")
    bomb = png_declaring(*size)
    assert len(bomb) < 1000
    sent = upload(loop, case_id, "citizen", bomb, name="bomb.png")
    assert sent.status_code in (413, 422), sent.text
    assert sent.json()["code"] in ("PayloadTooLarge", "SchemaViolation")
    assert media_rows(loop, case_id) == 0


def test_bad_requests_get_their_own_answers(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    path = f"/cases/{case_id}/photos"
    headers = loop.callers["citizen"].headers
    anonymous = loop.client.post(path, files=[("photo", ("a.png", png()))])
    assert anonymous.status_code == 401
    as_json = loop.client.post(path, json={}, headers=headers | {"Idempotency-Key": key()})
    assert as_json.status_code == 415
    no_key = loop.client.post(path, files=[("photo", ("a.png", png()))], headers=headers)
    assert no_key.status_code == 400 and no_key.json()["code"] == "InvalidParameterValue"
    five = upload(loop, case_id, "citizen", *[png() for _ in range(5)])
    assert five.status_code == 413, five.text
    wrong_kind = upload(loop, case_id, "citizen", png(), kind="selfie")
    assert wrong_kind.status_code == 400
    stray = loop.client.post(
        path,
        files=[("photo", ("a.png", png())), ("extra", ("b.png", png()))],
        headers=headers | {"Idempotency-Key": key()},
    )
    assert stray.status_code == 400
    no_photo = loop.client.post(
        path, data={"kind": "photo_before"}, headers=headers | {"Idempotency-Key": key()},
        files=[],
    )  # fmt: skip
    assert no_photo.status_code in (400, 415)
    assert media_rows(loop, case_id) == 0


# -- idempotency -------------------------------------------------------------------------------


def test_a_replayed_upload_gives_the_same_answer_and_one_row(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    data, same_key = png(), key()
    first = upload(loop, case_id, "citizen", data, idempotency_key=same_key)
    again = upload(loop, case_id, "citizen", data, idempotency_key=same_key)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert media_rows(loop, case_id) == 1
    other = upload(loop, case_id, "citizen", png(), idempotency_key=same_key)
    assert other.status_code == 422 and other.json()["code"] == "IdempotencyKeyReused"
    history = loop.client.get(
        f"/cases/{case_id}/history", headers=loop.callers["acceptor"].headers
    ).json()["events"]
    photo_events = [e for e in history if e["action"] == "photo"]
    assert len(photo_events) == 1
    assert photo_events[0]["from"] == photo_events[0]["to"] == "reported"
    assert photo_events[0]["note"] == "photo_before"


def test_the_same_photo_twice_is_stored_once(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    data = png()
    first = upload(loop, case_id, "citizen", data, data)
    assert first.status_code == 201 and len(first.json()["photos"]) == 1
    second = upload(loop, case_id, "citizen", data)
    assert second.status_code == 200
    assert second.json()["photos"] == first.json()["photos"]
    assert media_rows(loop, case_id) == 1


# -- who adds what, who sees what ------------------------------------------------------------------


def test_another_citizen_sees_no_photos_of_a_case(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    [photo] = upload(loop, case_id, "citizen", png()).json()["photos"]
    headers = loop.callers["citizen2"].headers
    assert upload(loop, case_id, "citizen2", png()).status_code == 404
    assert loop.client.get(f"/cases/{case_id}/photos", headers=headers).status_code == 404
    served = loop.client.get(photo["href"], headers=headers)
    assert served.status_code == 404 and served.json()["code"] == "NotFound"
    assert loop.client.get(photo["href"]).status_code == 401
    assert media_rows(loop, case_id) == 1


def test_handlers_add_after_photos_of_their_own_department_only(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen", State.in_progress)
    other = upload(loop, case_id, "handler_b", png())
    assert other.status_code == 403 and other.json()["code"] == "Forbidden"
    citizen_late = upload(loop, case_id, "citizen", png())
    assert citizen_late.status_code == 409
    mine = upload(loop, case_id, "handler_a", png())
    assert mine.status_code == 201, mine.text
    assert mine.json()["photos"][0]["kind"] == "photo_after"
    before = upload(loop, case_id, "handler_a", png(), kind="photo_before")
    assert before.status_code == 403
    assert upload(loop, case_id, "dispatcher", png()).status_code == 403
    # the reporting citizen sees the department's photo
    assert [p["kind"] for p in listed(loop, case_id, "citizen")] == ["photo_after"]
    assert "addedBy" not in listed(loop, case_id, "citizen")[0]
    assert media_rows(loop, case_id) == 1


def test_a_checking_supervisor_adds_after_photos(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen", State.checking)
    sent = upload(loop, case_id, "supervisor2", png())
    assert sent.status_code == 201, sent.text
    assert sent.json()["photos"][0]["kind"] == "photo_after"
    handler = upload(loop, case_id, "handler_and_supervisor_a", png())
    assert handler.status_code == 409  # the handling department does not check itself


def test_unknown_photos_are_404(loop: Loop) -> None:
    case_id = reported_by(loop, "citizen")
    headers = loop.callers["citizen"].headers
    for name in ("0" * 64, "A" * 64, "x", "%2e%2e", "0" * 63 + "g"):
        found = loop.client.get(f"/cases/{case_id}/photos/{name}", headers=headers)
        assert found.status_code == 404, name


# -- all or nothing ------------------------------------------------------------------------------


def test_a_photo_refused_by_a_closed_case_leaves_nothing(loop: Loop) -> None:
    case_id = closed_case(loop, "citizen")
    data = png()
    expected = clean_photo(data, max_bytes=10 << 20, max_pixels=40_000_000).sha256
    waiting = quarantined(loop)
    sent = upload(loop, case_id, "citizen", data)
    assert sent.status_code == 409, sent.text
    assert media_rows(loop, case_id) == 0
    assert not linked(loop, expected)
    assert quarantined(loop) <= waiting


def _in_process_photos(loop: Loop, catalog: LayerCatalog) -> PhotoService:
    """The service over the same store and media directory as the server."""
    cases = CaseService(
        loop.store,
        HexService(catalog, loop.store),
        WorkCalendar(None),
        TimeLimitTable.load(None),
        city_code=loop.settings.cases.city_code,
        base_url="http://test",
    )
    return PhotoService.from_settings(cases, loop.settings.media)


def _principal(loop: Loop, who: str) -> Principal:
    return loop.callers[who].principal


def test_a_transaction_that_fails_after_the_rows_leaves_no_row_and_no_file(
    loop: Loop, catalog: LayerCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = reported_by(loop, "citizen")
    photos = _in_process_photos(loop, catalog)
    data = png()
    expected = clean_photo(data, max_bytes=10 << 20, max_pixels=40_000_000).sha256
    waiting = quarantined(loop)

    def broken_audit(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk went away")  # after the media and history rows

    monkeypatch.setattr(records, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        photos.add(_principal(loop, "citizen"), case_id, Upload([data]), key())
    monkeypatch.undo()
    assert media_rows(loop, case_id) == 0
    assert not linked(loop, expected)
    assert quarantined(loop) <= waiting
    history = loop.client.get(
        f"/cases/{case_id}/history", headers=loop.callers["acceptor"].headers
    ).json()["events"]
    assert [e["action"] for e in history] == ["report"]


def test_a_state_change_after_the_early_check_is_caught_in_the_transaction(
    loop: Loop, catalog: LayerCatalog
) -> None:
    case_id = closed_case(loop, "citizen")
    photos = _in_process_photos(loop, catalog)
    data = png()
    expected = clean_photo(data, max_bytes=10 << 20, max_pixels=40_000_000).sha256
    waiting = quarantined(loop)
    with pytest.raises(Conflict):  # add() alone: no preflight, the transaction refuses
        photos.add(_principal(loop, "citizen"), case_id, Upload([data]), key())
    assert media_rows(loop, case_id) == 0
    assert not linked(loop, expected)
    assert quarantined(loop) <= waiting


# -- media, without a server ---------------------------------------------------------------------


def _clean(data: bytes) -> Image.Image:
    photo = clean_photo(data, max_bytes=10 << 20, max_pixels=40_000_000)
    assert hashlib.sha256(photo.data).hexdigest() == photo.sha256
    image = Image.open(io.BytesIO(photo.data))
    assert dict(image.getexif()) == {} and "icc_profile" not in image.info
    return image


@pytest.mark.parametrize(
    ("mode", "save_as", "expected"),
    [
        ("RGBA", "WEBP", ("WEBP", "RGBA")),
        ("RGB", "WEBP", ("WEBP", "RGB")),
        ("CMYK", "JPEG", ("JPEG", "RGB")),
        ("L", "JPEG", ("JPEG", "L")),
        ("P", "PNG", ("PNG", "RGB")),
        ("I;16", "PNG", ("PNG", "L")),
        ("LA", "PNG", ("PNG", "LA")),
    ],
)
def test_each_mode_is_stored_plainly(mode: str, save_as: str, expected: tuple[str, str]) -> None:
    buffer = io.BytesIO()
    Image.new(mode, (10, 8)).save(buffer, save_as)
    image = _clean(buffer.getvalue())
    assert (image.format, image.mode) == expected
    assert image.size == (10, 8)


def test_an_rgb_icc_profile_is_applied_then_dropped() -> None:
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for icc in (srgb, profile, b"not a profile"):
        buffer = io.BytesIO()
        pixels(12, 12).save(buffer, "JPEG", icc_profile=icc)
        assert _clean(buffer.getvalue()).size == (12, 12)


def test_content_not_format_decides() -> None:
    with pytest.raises(UnsupportedMediaType):
        clean_photo(b"GIF89a" + b"\x00" * 100, max_bytes=1 << 20, max_pixels=1000)
    with pytest.raises(UnsupportedMediaType):
        clean_photo(b"%!PS-Adobe-3.0 EPSF-3.0\n", max_bytes=1 << 20, max_pixels=1000)
    with pytest.raises(SchemaViolation):
        clean_photo(b"RIFF\x00\x00\x00\x00WEBPVP8 junk", max_bytes=1 << 20, max_pixels=1000)
    with pytest.raises(PayloadTooLarge):
        clean_photo(png_declaring(100, 100), max_bytes=1 << 20, max_pixels=9_999)


def test_quarantine_cleanup_removes_only_old_part_files(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    old = store.quarantine(b"old")
    fresh = store.quarantine(b"fresh")
    other = tmp_path / "quarantine" / "note.txt"
    other.write_text("not ours")
    hour_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).timestamp()
    os.utime(old, (hour_ago, hour_ago))
    assert cleanup_quarantine(tmp_path, dt.timedelta(hours=1)) == 1
    assert not old.exists() and fresh.exists() and other.exists()
    assert cleanup_quarantine(tmp_path / "missing", dt.timedelta(hours=1)) == 0


def test_linking_names_the_file_by_its_hash(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    buffer = io.BytesIO()
    pixels(8, 8).save(buffer, "PNG")
    photo = clean_photo(buffer.getvalue(), max_bytes=1 << 20, max_pixels=1000)
    target = store.link(store.quarantine(photo.data), photo)
    assert target == tmp_path / photo.sha256[:2] / f"{photo.sha256}.png"
    assert store.read(photo.sha256, "png") == photo.data
    assert list((tmp_path / "quarantine").iterdir()) == []
    with pytest.raises(ValueError):
        store.path_of("../" + photo.sha256[3:], "png")

"""geoplatform.cases.media: case photos, cleaned of everything but pixels and stored by hash.

A photo from the public is trusted in nothing it says about itself (reliability
R15, R17, R18):

- its format is recognised by magic bytes, and only JPEG, PNG and WebP are
  opened, each by its own Pillow plugin alone (no other decoder ever sees the
  bytes, whatever the declared type or file name);
- its declared pixel size is checked against a cap before any pixel is decoded,
  so a small file that declares 50 000 x 50 000 pixels costs nothing;
- it is decoded and re-encoded: the EXIF orientation is applied first, colours
  are converted to sRGB when it carries an RGB ICC profile, and the new file
  carries no metadata at all (no EXIF with GPS position, camera or time, no XMP,
  no ICC profile, no comments, no text chunks);
- the stored name is the SHA-256 of the re-encoded bytes, so no path is ever
  made from request data, and the same photo is stored once.

Files are written in two phases so that a photo exists under its name only when
the database row referring to it has committed (reliability FS-09): the bytes go
to ``quarantine/<random>.part`` and are fsynced; after the commit they are renamed
into ``<aa>/<sha256>.<ext>`` and the directory is fsynced. A transaction that
fails, or a process killed in between, leaves only quarantine files, which
``cleanup_quarantine`` removes once they are old enough to belong to no request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from geoplatform.errors import (
    GeoPlatformError,
    PayloadTooLarge,
    SchemaViolation,
    StoreUnavailable,
    UnsupportedMediaType,
)

QUARANTINE = "quarantine"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_JPEG_QUALITY = 90
_OUTPUT_GROWTH = 2
"""A re-encoded file may be this many times the upload cap (a PNG re-compressed by a
plainer encoder grows a little); beyond that the photo is refused."""


class InsufficientStorage(StoreUnavailable):
    """The media directory cannot take a file now (disk full, I/O error)."""

    code = "InsufficientStorage"


@dataclass(frozen=True)
class PhotoFormat:
    """One accepted image format."""

    pillow: str
    extension: str
    media_type: str


JPEG = PhotoFormat("JPEG", "jpg", "image/jpeg")
PNG = PhotoFormat("PNG", "png", "image/png")
WEBP = PhotoFormat("WEBP", "webp", "image/webp")
FORMATS = {f.media_type: f for f in (JPEG, PNG, WEBP)}
"""The accepted formats by media type (the ``media_type`` column)."""
_EXTENSIONS = frozenset(f.extension for f in FORMATS.values())
_PLUGIN_FORMATS = {"JPEG": ("JPEG",), "PNG": ("PNG",), "WEBP": ("WEBP",)}
_OPENED_AS = {"JPEG": {"JPEG", "MPO"}, "PNG": {"PNG"}, "WEBP": {"WEBP"}}
"""A multi-picture JPEG (phones' depth maps) opens as MPO; only its first picture is kept."""


def sniff(data: bytes) -> PhotoFormat | None:
    """The format the leading bytes announce, or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo: pixels only, named by the hash of its bytes."""

    data: bytes
    sha256: str
    format: PhotoFormat
    width: int
    height: int


def clean_photo(data: bytes, *, max_bytes: int, max_pixels: int) -> CleanPhoto:
    """Decode ``data`` under the caps and re-encode it without any metadata.

    Raises 413 (file or pixel count over a cap), 415 (not a JPEG, PNG or WebP
    file) or 422 (truncated or corrupt image); never anything else for bad input.
    """
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"a photo may be at most {max_bytes} bytes", parameter="photo")
    found = sniff(data)
    if found is None:
        raise UnsupportedMediaType(
            "a photo must be a JPEG, PNG or WebP image (recognised by its content)",
            parameter="photo",
        )
    try:
        with Image.open(io.BytesIO(data), formats=_PLUGIN_FORMATS[found.pillow]) as image:
            if image.format not in _OPENED_AS[found.pillow]:
                raise SchemaViolation("the photo's content does not match its format")
            width, height = image.size
            if width < 1 or height < 1 or width * height > max_pixels:
                raise PayloadTooLarge(
                    f"a photo may have at most {max_pixels} pixels "
                    f"(this one declares {width} x {height})",
                    parameter="photo",
                )
            image.load()
            pixels = _srgb(_output_mode(_oriented(image), found), image.info.get("icc_profile"))
            encoded = _encode(pixels, found)
    except GeoPlatformError:
        raise
    except (Image.DecompressionBombError, MemoryError):
        raise PayloadTooLarge(
            f"a photo may have at most {max_pixels} pixels", parameter="photo"
        ) from None
    except Exception:  # Pillow reports bad data as OSError, ValueError, SyntaxError, ...
        raise SchemaViolation(
            "the photo cannot be decoded: the file is truncated or corrupt", parameter="photo"
        ) from None
    if len(encoded) > _OUTPUT_GROWTH * max_bytes:
        raise PayloadTooLarge("the photo is too large once re-encoded", parameter="photo")
    return CleanPhoto(
        encoded, hashlib.sha256(encoded).hexdigest(), found, pixels.width, pixels.height
    )


def _oriented(image: Image.Image) -> Image.Image:
    """The image turned upright as its EXIF orientation says (unreadable EXIF: as stored)."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a corrupt EXIF block only loses the orientation
        return image.copy()


def _output_mode(image: Image.Image, target: PhotoFormat) -> Image.Image:
    """The pixels in a mode the output format stores plainly (8-bit grey, RGB or RGBA)."""
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
        mode = "L"
    alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if target is JPEG:
        wanted = "L" if mode in ("L", "1") else "RGB"
    elif target is WEBP:
        wanted = "RGBA" if alpha else "RGB"
    elif (mode in ("L", "RGB") and not alpha) or mode in ("LA", "RGBA"):
        wanted = mode
    elif mode == "1":
        wanted = "L"
    else:
        wanted = "RGBA" if alpha else "RGB"
    return image if image.mode == wanted else image.convert(wanted)


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Colours converted from an embedded RGB profile to sRGB; other profiles are dropped."""
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if source.profile.xcolor_space.strip() != "RGB":
            return image
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _encode(image: Image.Image, target: PhotoFormat) -> bytes:
    """The pixels in a new file of the same format, with no metadata of the original."""
    image.info = {}  # savers copy ICC, comments and transparency from here
    buffer = io.BytesIO()
    if target is JPEG:
        image.save(buffer, "JPEG", quality=_JPEG_QUALITY)
    elif target is PNG:
        image.save(buffer, "PNG", compress_level=6)
    else:
        image.save(buffer, "WEBP", quality=_JPEG_QUALITY, method=4)
    return buffer.getvalue()


# -- files ------------------------------------------------------------------------------------


def _fsync_directory(directory: Path) -> None:
    """Make a rename or a new entry in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class MediaStore:
    """The media directory: quarantine for uploads in flight, hash-named files once linked."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.quarantine_dir = root / QUARANTINE

    def path_of(self, sha256: str, extension: str) -> Path:
        """Where a linked photo lives; only ever built from a hash and a known extension."""
        if not _SHA256.match(sha256) or extension not in _EXTENSIONS:
            raise ValueError("not a photo name")
        return self.root / sha256[:2] / f"{sha256}.{extension}"

    def quarantine(self, data: bytes) -> Path:
        """Write ``data`` to a new quarantine file and fsync it (phase one)."""
        try:
            created = not self.quarantine_dir.is_dir()
            self.quarantine_dir.mkdir(parents=True, exist_ok=True)
            if created:
                _fsync_directory(self.root)
            path = self.quarantine_dir / f"{secrets.token_hex(16)}.part"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(path, flags, 0o640)
        except OSError as error:
            raise InsufficientStorage("the photo store cannot take files now") from error
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except OSError as error:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise InsufficientStorage("the photo store cannot take files now") from error
        os.close(fd)
        return path

    def link(self, part: Path, photo: CleanPhoto) -> Path:
        """Move a quarantined file to its hash name and make the move durable (phase two)."""
        target = self.path_of(photo.sha256, photo.format.extension)
        try:
            created = not target.parent.is_dir()
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)  # same bytes if it existed: the name is their hash
            _fsync_directory(target.parent)
            if created:
                _fsync_directory(self.root)
        except OSError as error:
            raise InsufficientStorage("the photo store cannot take files now") from error
        return target

    @staticmethod
    def discard(part: Path) -> None:
        """Remove a quarantine file that will not be linked (best effort)."""
        try:
            part.unlink(missing_ok=True)
        except OSError:
            pass  # cleanup_quarantine removes it later

    def read(self, sha256: str, extension: str) -> bytes | None:
        """The bytes of a linked photo, None when its file is not there."""
        try:
            return self.path_of(sha256, extension).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None


def cleanup_quarantine(
    media_dir: Path, max_age: dt.timedelta, *, now: dt.datetime | None = None
) -> int:
    """Remove quarantine files older than ``max_age``; returns how many were removed.

    A quarantine file belongs to a request in flight or to one whose transaction
    failed or whose process died; ``max_age`` must exceed the longest request, so
    files of uploads still running are left alone.
    """
    directory = media_dir / QUARANTINE
    limit = (now or dt.datetime.now(dt.UTC)).timestamp() - max_age.total_seconds()
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if not entry.name.endswith(".part"):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < limit:
                os.unlink(entry.path)
                removed += 1
        except FileNotFoundError:
            continue
    return removed

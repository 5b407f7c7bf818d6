"""geoplatform.tiles.cache: vector tiles kept as files, dropped exactly where writes touch them.

Layout under the configured folder, one subfolder per store (a hash of where
the store lives, without credentials, so the server and every command on this
machine share it)::

    <cache_dir>/<store hash>/_store.txt              which store (for people)
    <cache_dir>/<store hash>/_state/<layer>          locked state (see state.py)
    <cache_dir>/<store hash>/<layer>/<tms>/<z>/<x>/<y>.mvt    a drawn tile
    <cache_dir>/<store hash>/<layer>/<tms>/<z>/<x>/<y>.empty  nothing drawn (204)

A ``.mvt`` file holds a 24-byte header (magic, body length, BLAKE2b-128 of the
body) and the tile's bytes, so its strong ETag is read, never recomputed.
Paths are built only from registry identifiers, served tile matrix set ids and
integers already checked against the tile matrix; files are written to
``_tmp`` and renamed into place, so a reader sees a whole tile or none.

Writes to the store reach the cache through the store's commit listeners
(``watch``). The ordering that keeps a stale tile from being served once a
write is acknowledged, in any process:

1. Before the commit the writer marks the layer (``pending`` + 1, generation
   + 1). Failing to mark refuses the write.
2. The transaction commits.
3. After it the writer, holding the layer's lock exclusively, deletes every
   tile whose buffered area meets a box of an old or new geometry (a bulk
   write: the whole layer folder is renamed aside), moves the generation, and
   only then takes its mark back. Then it acknowledges.

A reader serves files only while no write is pending, and keeps a tile it built
only if, under the shared lock, the generation is still the one it read before
asking the store. A tile built from rows a write has since changed is therefore
either on disk before step 3 (and deleted by it) or refused at its rename; and
a writer that fails or dies between 2 and 3 leaves its mark, so the layer is
answered from the store (not from disk) until a mark older than
``ABANDONED_AFTER_S`` is recognised as a dead writer's and the layer is cleared.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from geoplatform.catalog import LayerDefinition
from geoplatform.catalog.models import IDENTIFIER_PATTERN
from geoplatform.errors import StoreUnavailable
from geoplatform.settings import Settings, StoreSettings
from geoplatform.store.base import BBox, FeatureStore
from geoplatform.store.sql_store import Changes
from geoplatform.tiles.grid import BUFFER, EXTENT, MAX_FEATURES, TileAddress
from geoplatform.tiles.matrixsets import MAX_ZOOM, matrix_sets
from geoplatform.tiles.state import LayerState, LockedState, locked
from geoplatform.tiles.touched import TileBlock, touched_blocks

LOGGER = logging.getLogger("geoplatform.tiles")

FORMAT = f"mvt1 extent={EXTENT} buffer={BUFFER} limit={MAX_FEATURES}"
"""Part of every store folder's name: tiles drawn by other rules never mix with these."""
ABANDONED_AFTER_S = 600.0
"""A layer marked as being written for longer than this was left by a writer that died."""
TMP_KEPT_S = 3600.0
"""A file in ``_tmp`` older than this was left by a process that died while writing it."""
DIRECT_LIMIT = 256
"""Blocks of up to this many tiles are deleted by name; larger ones by listing the folders."""

_MAGIC = b"GPT1"
_HEADER = struct.Struct("<4sI16s")
_LAYER_ID = re.compile(IDENTIFIER_PATTERN)
_DIGITS = re.compile(r"^[0-9]{1,9}$")


@dataclass(frozen=True)
class Tile:
    """A tile's bytes (empty: nothing drawn) and the BLAKE2b-128 digest of them."""

    body: bytes
    digest: bytes

    @property
    def etag(self) -> str:
        """Strong ETag: the digest of the bytes, so equal tiles have equal tags."""
        return '"' + self.digest.hex() + '"'


def drawn(body: bytes) -> Tile:
    """A freshly built tile with its digest."""
    return Tile(body, hashlib.blake2b(body, digest_size=16).digest())


def store_key(settings: StoreSettings) -> str:
    """Where the store lives, without credentials: equal for the server and every command.

    A GeoPackage is also named by its inode, so a file rebuilt or restored in its
    place starts with an empty cache instead of inheriting the old one's tiles.
    """
    if settings.backend == "postgis":
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(settings.postgis_dsn or "")
        host = info.get("host") or info.get("hostaddr") or "localhost"
        return (
            f"postgis://{host}:{info.get('port') or 5432}/{info.get('dbname') or ''}"
            f"#{settings.postgis_schema}"
        )
    path = settings.gpkg_path.resolve()
    try:
        status = path.stat()
        identity = f"{status.st_dev}:{status.st_ino}"
    except FileNotFoundError:
        identity = "absent"
    return f"gpkg:{path}#{identity}"


def definition_fingerprint(layer: LayerDefinition) -> str:
    """What a layer's tiles depend on besides its rows: geometry type and attributes."""
    parts = [layer.geometry_type, *(f"{a.name}:{a.type.value}" for a in layer.attributes)]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


class TileCache:
    """Tiles of one store on disk; a commit listener of that store (see the module notes).

    Holds no state in memory: everything it knows is on disk, shared by every
    worker and command, so two instances on one folder are the same cache.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._state_dir = root / "_state"
        self._tmp_dir = root / "_tmp"
        self._trash_dir = root / "_trash"
        for folder in (self._state_dir, self._tmp_dir, self._trash_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self._sweep_tmp()

    @classmethod
    def for_store(cls, cache_dir: Path, settings: StoreSettings) -> TileCache:
        """The cache folder of the store ``settings`` name."""
        key = store_key(settings)
        digest = hashlib.sha256(f"{key}\n{FORMAT}".encode()).hexdigest()[:16]
        cache = cls(cache_dir / digest)
        label = cache.root / "_store.txt"
        if not label.exists():
            label.write_text(f"{key}\n{FORMAT}\n", encoding="utf-8")
        return cache

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TileCache) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    # -- wiring -------------------------------------------------------------------------

    def watch(self, store: FeatureStore) -> bool:
        """Hear of every write through ``store``; False when the store cannot tell."""
        try:
            store.on_commit(self)  # type: ignore[attr-defined]
        except AttributeError:
            return False
        return True

    def check_layers(self, layers: Iterable[LayerDefinition]) -> None:
        """Clear the tiles of layers whose definition changed since they were drawn."""
        for layer in layers:
            marker = self._state_dir / f"{self._checked(layer.id)}.definition"
            fingerprint = definition_fingerprint(layer)
            try:
                if marker.read_text(encoding="ascii") == fingerprint:
                    continue
            except FileNotFoundError:
                pass
            self.clear(layer.id)
            marker.write_text(fingerprint, encoding="ascii")

    # -- reads ----------------------------------------------------------------------------

    def tile(self, layer_id: str, address: TileAddress, build: Callable[[], bytes]) -> Tile:
        """The cached tile, or ``build()``'s, kept for next time when nothing forbids it.

        Disk trouble never fails a tile: it is answered from the store instead.
        """
        try:
            found, generation = self.lookup(layer_id, address)
        except OSError:
            LOGGER.warning("tile cache unreadable at %s", self.root, exc_info=True)
            found, generation = None, None
        if found is not None:
            return found
        made = drawn(build())
        if generation is not None:
            try:
                self.keep(layer_id, address, made, generation)
            except OSError:
                LOGGER.warning("tile cache unwritable at %s", self.root, exc_info=True)
        return made

    def peek(self, layer_id: str, address: TileAddress) -> Tile | None:
        """The kept tile if it can be had at once: no waiting on a writer's lock, no writes.

        For the event loop: two small reads (state and tile), so a hit costs no
        trip through the thread pool; anything else (a miss, a write under way,
        a busy lock, a disk error) answers None and the caller takes ``tile``.
        """
        try:
            with self._locked(layer_id, exclusive=False, wait=False) as held:
                state = held.state
            if state.pending:
                return None
            return self._read(layer_id, address)
        except OSError:  # BlockingIOError included: a writer holds the lock
            return None

    def lookup(self, layer_id: str, address: TileAddress) -> tuple[Tile | None, int | None]:
        """(the kept tile or None, the generation to keep a new one under, or None if not now)."""
        with self._locked(layer_id, exclusive=False) as held:
            state = held.state
        if state.pending:
            if time.time() - state.marked_at > ABANDONED_AFTER_S:
                self._clear_abandoned(layer_id)
            return None, None
        return self._read(layer_id, address), state.generation

    def _read(self, layer_id: str, address: TileAddress) -> Tile | None:
        """The tile's file, if there is a whole one."""
        base = self._tile_base(layer_id, address)
        try:
            with open(base + ".mvt", "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return drawn(b"") if os.path.exists(base + ".empty") else None
        if len(data) < _HEADER.size:
            return None
        magic, length, digest = _HEADER.unpack_from(data)
        if magic != _MAGIC or length != len(data) - _HEADER.size:
            return None  # torn or foreign: rebuilt and replaced
        return Tile(data[_HEADER.size :], digest)

    def keep(self, layer_id: str, address: TileAddress, tile: Tile, generation: int) -> bool:
        """Put a tile built after reading ``generation`` in place, if that is still current."""
        base = self._tile_base(layer_id, address)
        suffix, other = (".mvt", ".empty") if tile.body else (".empty", ".mvt")
        temporary = self._tmp_dir / f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex}"
        try:
            with open(temporary, "xb") as handle:
                if tile.body:
                    handle.write(_HEADER.pack(_MAGIC, len(tile.body), tile.digest))
                    handle.write(tile.body)
            with self._locked(layer_id, exclusive=False) as held:
                if held.state.generation != generation or held.state.pending:
                    return False
                os.makedirs(os.path.dirname(base), exist_ok=True)
                os.replace(temporary, base + suffix)
                if os.path.exists(base + other):
                    os.unlink(base + other)
                return True
        finally:
            temporary.unlink(missing_ok=True)

    # -- writes (CommitListener) ------------------------------------------------------------

    def before_commit(self, changes: Changes) -> None:
        """Mark every changed layer as being written; a write that cannot be marked is refused."""
        marked: list[str] = []
        try:
            for layer_id in changes:
                if _LAYER_ID.match(layer_id):
                    self._mark(layer_id, +1)
                    marked.append(layer_id)
        except OSError as error:
            for layer_id in marked:
                self._mark(layer_id, -1)
            raise StoreUnavailable(f"the tile cache cannot be updated: {error}") from error

    def after_commit(self, changes: Changes) -> None:
        """Delete the touched tiles of every changed layer, then take the marks back."""
        failure: Exception | None = None
        for layer_id, boxes in changes.items():
            if not _LAYER_ID.match(layer_id):
                continue
            try:
                self._invalidate(layer_id, boxes)
            except Exception as error:  # the mark stays: the layer is not served from disk
                failure = error
        self._empty_trash()
        if failure is not None:
            raise failure

    def clear(self, layer_id: str) -> None:
        """Drop every tile of a layer and any mark a dead writer left (``tiles clear``)."""
        with self._locked(layer_id, exclusive=True) as held:
            self._move_aside(layer_id)
            held.write(LayerState(held.state.generation + 1, 0, 0.0))
        self._empty_trash()

    def _mark(self, layer_id: str, step: int) -> None:
        """Count a write in (+1) or out (-1); ``marked_at`` is when the count left zero."""
        with self._locked(layer_id, exclusive=True) as held:
            held.write(_counted(held.state, step))

    def _invalidate(self, layer_id: str, boxes: Sequence[BBox] | None) -> None:
        with self._locked(layer_id, exclusive=True) as held:
            try:
                if boxes is None:
                    self._move_aside(layer_id)
                else:
                    self._delete_touched(layer_id, boxes)
            except Exception:
                LOGGER.warning(
                    "exact invalidation of %s failed: whole layer", layer_id, exc_info=True
                )
                self._move_aside(layer_id)
            held.write(_counted(held.state, -1))

    def _clear_abandoned(self, layer_id: str) -> None:
        """Clear a layer whose write mark is older than any write lasts (its writer died)."""
        with self._locked(layer_id, exclusive=True) as held:
            state = held.state
            if not state.pending or time.time() - state.marked_at <= ABANDONED_AFTER_S:
                return
            LOGGER.warning(
                "tile cache of %s: clearing a write mark left by a dead writer", layer_id
            )
            self._move_aside(layer_id)
            held.write(LayerState(state.generation + 1, 0, 0.0))
        self._empty_trash()

    # -- files ------------------------------------------------------------------------------

    def _checked(self, layer_id: str) -> str:
        if not _LAYER_ID.match(layer_id):
            raise ValueError(f"not a layer identifier: {layer_id[:64]!r}")
        return layer_id

    def _locked(
        self, layer_id: str, *, exclusive: bool, wait: bool = True
    ) -> AbstractContextManager[LockedState]:
        path = self._state_dir / self._checked(layer_id)
        if not self._state_dir.is_dir():  # the folder was removed under a running server
            self._state_dir.mkdir(parents=True, exist_ok=True)
            self._tmp_dir.mkdir(parents=True, exist_ok=True)
            self._trash_dir.mkdir(parents=True, exist_ok=True)
        return locked(path, exclusive=exclusive, wait=wait)

    def _tile_base(self, layer_id: str, address: TileAddress) -> str:
        """``<root>/<layer>/<tms>/<z>/<x>/<y>`` from checked parts only (no request text)."""
        tms_id = address.matrix_set.id
        if matrix_sets().get(tms_id) is not address.matrix_set:
            raise ValueError(f"not a served tile matrix set: {tms_id[:64]!r}")
        x, y, z = int(address.tile.x), int(address.tile.y), int(address.tile.z)
        if not (0 <= z <= MAX_ZOOM and 0 <= x < 2 ** (z + 1) and 0 <= y < 2 ** (z + 1)):
            raise ValueError(f"not a tile of the served matrices: {z}/{x}/{y}")
        return os.path.join(self.root, self._checked(layer_id), tms_id, str(z), str(x), str(y))

    def _move_aside(self, layer_id: str) -> None:
        """Rename the layer's folder into the trash: every tile of it is gone at once."""
        target = self._trash_dir / f"{layer_id}.{uuid.uuid4().hex}"
        try:
            os.rename(self.root / self._checked(layer_id), target)
        except FileNotFoundError:
            pass

    def _empty_trash(self) -> None:
        try:
            with os.scandir(self._trash_dir) as entries:
                found = [entry.path for entry in entries]
        except FileNotFoundError:
            return
        for path in found:
            shutil.rmtree(path, ignore_errors=True)

    def _sweep_tmp(self) -> None:
        """Remove files a process that died while writing a tile left in ``_tmp``."""
        horizon = time.time() - TMP_KEPT_S
        with os.scandir(self._tmp_dir) as entries:
            for entry in entries:
                try:
                    if entry.stat().st_mtime < horizon:
                        os.unlink(entry.path)
                except FileNotFoundError:
                    pass

    def _delete_touched(self, layer_id: str, boxes: Sequence[BBox]) -> None:
        layer_dir = os.path.join(self.root, layer_id)
        if not os.path.isdir(layer_dir):
            return
        for tms_id, matrix_set in matrix_sets().items():
            tms_dir = os.path.join(layer_dir, tms_id)
            zooms = _numbered(tms_dir)
            if not zooms:
                continue
            by_zoom: dict[int, list[TileBlock]] = {}
            for box in boxes:
                for block in touched_blocks(matrix_set, box):
                    if block.zoom in zooms:
                        by_zoom.setdefault(block.zoom, []).append(block)
            for zoom, blocks in by_zoom.items():
                _delete_blocks(os.path.join(tms_dir, str(zoom)), blocks)


def _counted(state: LayerState, step: int) -> LayerState:
    """The state after a write is counted in or out: the generation always moves."""
    pending = max(0, state.pending + step)
    if not pending:
        return LayerState(state.generation + 1, 0, 0.0)
    since = state.marked_at if state.pending else time.time()
    return LayerState(state.generation + 1, pending, since)


def _numbered(folder: str) -> set[int]:
    """Integers named by the entries of a folder (none when it is missing)."""
    try:
        with os.scandir(folder) as entries:
            return {int(e.name) for e in entries if _DIGITS.match(e.name)}
    except FileNotFoundError:
        return set()


def _delete_blocks(zoom_dir: str, blocks: list[TileBlock]) -> None:
    """Delete the tiles of one zoom's blocks: by name when few, else by listing what exists."""
    rows_by_col: dict[int, set[int]] = {}
    for block in blocks:
        if len(block) > DIRECT_LIMIT:
            _delete_listed(zoom_dir, block)
            continue
        for col in range(block.min_col, block.max_col + 1):
            rows_by_col.setdefault(col, set()).update(range(block.min_row, block.max_row + 1))
    for col, rows in rows_by_col.items():
        col_dir = os.path.join(zoom_dir, str(col))
        if not os.path.isdir(col_dir):
            continue
        for row in rows:
            for suffix in (".mvt", ".empty"):
                try:
                    os.unlink(os.path.join(col_dir, f"{row}{suffix}"))
                except FileNotFoundError:
                    pass


def _delete_listed(zoom_dir: str, block: TileBlock) -> None:
    """Delete a large block's tiles among the files that exist."""
    for col in _numbered(zoom_dir):
        if not block.min_col <= col <= block.max_col:
            continue
        col_dir = os.path.join(zoom_dir, str(col))
        with os.scandir(col_dir) as entries:
            names = [e.name for e in entries]
        for name in names:
            stem, _, suffix = name.partition(".")
            if suffix in ("mvt", "empty") and _DIGITS.match(stem):
                if block.min_row <= int(stem) <= block.max_row:
                    os.unlink(os.path.join(col_dir, name))


def tile_cache(settings: Settings, store: FeatureStore) -> TileCache | None:
    """The configured tile cache, told of every write through ``store``; None when off.

    Call it wherever a store is opened for writing (server and commands), so that
    no write of this machine leaves stale tiles.
    """
    if not settings.tiles.cache:
        return None
    cache = TileCache.for_store(settings.tiles.cache_dir, settings.store)
    if not cache.watch(store):
        LOGGER.warning("this store cannot report its writes: tiles are not cached")
        return None
    return cache

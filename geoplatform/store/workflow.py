"""geoplatform.store.workflow: the store's own tables for who may write and what was done.

They live beside the layers in the same store (GeoPackage file or PostGIS schema),
so a case row, its public feature, its history and the idempotency record of the
request that made them commit in one transaction. Times are UTC text in the
shared ``YYYY-MM-DDThh:mm:ss.sssZ`` form (sorts as it reads, same in both stores).

- ``gp_principal``: API keys (only their SHA-256), roles and department.
- ``gp_case``: the private side of a case (reporter, raw input, responsible
  department, due times, counters, version for ETags); the public side is the
  case's feature in the ``city_case`` layer.
- ``gp_case_event``: the append-only history, one row per action.
- ``gp_idempotency``: the first answer to each (principal, Idempotency-Key).
- ``gp_case_media``: the photos of a case (before / after), by content hash; the
  files themselves are in the media directory (geoplatform.cases.media).
- ``gp_counter``: named sequences (daily case numbers).
- ``gp_feature_history``: every state of every feature edited through the API
  (the asset register's change history), with who and when.
- ``gp_audit``: every write and every refused access.
"""

from __future__ import annotations

OWN_TABLE_NAMES = (
    "gp_principal", "gp_case", "gp_case_event", "gp_idempotency", "gp_case_media",
    "gp_counter", "gp_feature_history", "gp_audit",
)  # fmt: skip
"""Every workflow table, in the order a copy writes them."""


def own_tables(integer: str) -> list[str]:
    """DDL of the workflow tables (idempotent); ``integer`` is the 64-bit integer type."""
    i = integer
    return [
        "CREATE TABLE IF NOT EXISTS {prefix}gp_principal (id text PRIMARY KEY, "
        "name text NOT NULL, roles text NOT NULL, org_code text, key_hash text NOT NULL UNIQUE, "
        f"created_at text NOT NULL, disabled {i} NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS {prefix}gp_case (case_id text PRIMARY KEY, "
        f"fid {i} NOT NULL UNIQUE, status text NOT NULL, kind text NOT NULL, "
        "class_code text NOT NULL, urgency text NOT NULL, source text NOT NULL, "
        "reporter_id text, raw_input text NOT NULL, address text, description text, "
        "responsible_org text, handler_id text, due_register text, due_dispatch text, "
        f"due_dispose text, due_check text, rework_count {i} NOT NULL DEFAULT 0, "
        f"extension_count {i} NOT NULL DEFAULT 0, supervised {i} NOT NULL DEFAULT 0, "
        f"version {i} NOT NULL, created_at text NOT NULL, updated_at text NOT NULL)",
        "CREATE INDEX IF NOT EXISTS gp_case_reporter ON {prefix}gp_case (reporter_id)",
        "CREATE TABLE IF NOT EXISTS {prefix}gp_case_event (case_id text NOT NULL, "
        f"seq {i} NOT NULL, action text NOT NULL, from_status text, to_status text NOT NULL, "
        "actor_id text NOT NULL, actor_role text NOT NULL, actor_org text, at text NOT NULL, "
        "note text, detail text, PRIMARY KEY (case_id, seq))",
        "CREATE TABLE IF NOT EXISTS {prefix}gp_idempotency (principal_id text NOT NULL, "
        f"key text NOT NULL, request_hash text NOT NULL, status {i} NOT NULL, "
        "location text, body text NOT NULL, created_at text NOT NULL, "
        "PRIMARY KEY (principal_id, key))",
        "CREATE TABLE IF NOT EXISTS {prefix}gp_case_media (case_id text NOT NULL, "
        "sha256 text NOT NULL, kind text NOT NULL, media_type text NOT NULL, "
        f"bytes {i} NOT NULL, width {i}, height {i}, event_seq {i}, added_by text NOT NULL, "
        "added_at text NOT NULL, PRIMARY KEY (case_id, sha256))",
        "CREATE TABLE IF NOT EXISTS {prefix}gp_counter (name text PRIMARY KEY, "
        f"value {i} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS {prefix}gp_feature_history (layer_id text NOT NULL, "
        f"fid {i} NOT NULL, seq {i} NOT NULL, action text NOT NULL, actor_id text NOT NULL, "
        "actor_org text, at text NOT NULL, feature text, PRIMARY KEY (layer_id, fid, seq))",
        "CREATE TABLE IF NOT EXISTS {prefix}gp_audit (at text NOT NULL, principal_id text, "
        f"method text NOT NULL, target text NOT NULL, status {i} NOT NULL, detail text)",
        "CREATE INDEX IF NOT EXISTS gp_audit_at ON {prefix}gp_audit (at)",
    ]

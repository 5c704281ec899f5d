"""Pseudonymisation at load: identities replaced by a keyed hash before anything is stored.

Case ids, resources (staff) and the attributes a profile names are replaced by
``HMAC-SHA256(key, value)`` (the first 80 bits, as 20 hex digits). The key lives in a file
outside the store (setting ``pseudonym_key_file``; create one with ``loanflow keygen
FILE``), so the store alone cannot be reversed, and the same key always gives the same
pseudonym: datasets loaded with one key still join on case id and resource.

The hashing is done once per *distinct* value, in Python's ``hmac``; the mapping is a small
table joined back in DuckDB, never a Python loop over every row.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from etl import settings
from etl.errors import LoanFlowError
from etl.profile import Profile

KEY_BYTES = 32
PSEUDONYM_HEX_DIGITS = 20


def wanted(profile: Profile) -> bool:
    """Whether the profile asks for any pseudonymisation."""
    p = profile.pseudonymise
    return bool(p.case_id or p.resource or p.attributes)


def create_key_file(path: str | os.PathLike[str]) -> Path:
    """Write a new random key to ``path`` (mode 0600); an existing file is never replaced.

    Replacing a key would give every later load different pseudonyms, so datasets would no
    longer join; remove the old file yourself if that is really meant.
    """
    target = Path(path)
    if not target.parent.exists():
        raise LoanFlowError(
            f"The folder {target.parent} does not exist; create it first.",
            code="key_folder_missing",
            folder=target.parent,
        )
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise LoanFlowError(
            f"{target} already exists; LoanFlow never overwrites a pseudonym key (every "
            "dataset loaded with it would stop joining). Choose another file name.",
            code="key_exists",
            target=target,
        ) from None
    except PermissionError:
        raise LoanFlowError(
            f"No permission to create {target}; choose another folder.",
            code="key_no_permission",
            target=target,
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    return target


def _key_path() -> Path:
    name = settings.get("pseudonym_key_file").strip()
    if not name:
        raise LoanFlowError(
            "The profile asks for pseudonymisation but no key is set. Create one with "
            "`loanflow keygen /secure/place/loanflow.key` (keep it outside the store and back "
            "it up) and set LOANFLOW_PSEUDONYM_KEY_FILE to its path.",
            code="key_not_set",
        )
    return Path(name).expanduser()


def load_key() -> bytes:
    """The pseudonymisation key from the file named by ``pseudonym_key_file``."""
    path = _key_path()
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise LoanFlowError(
            f"The pseudonym key file {path} (LOANFLOW_PSEUDONYM_KEY_FILE) does not exist; "
            "create it with `loanflow keygen FILE`.",
            code="key_file_missing",
            path=path,
        ) from None
    except (PermissionError, UnicodeDecodeError, IsADirectoryError) as exc:
        raise LoanFlowError(
            f"Cannot read the pseudonym key file {path}: {exc}.",
            code="key_unreadable",
            path=path,
            reason=exc,
        ) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LoanFlowError(
            f"The pseudonym key file {path} can be read by other users; restrict it with "
            f"`chmod 600 {path}`.",
            code="key_readable_by_others",
            path=path,
        )
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        raise LoanFlowError(
            f"{path} does not hold a LoanFlow pseudonym key (64 hex digits); create one with "
            "`loanflow keygen FILE`.",
            code="key_invalid",
            path=path,
        )
    return key


def pseudonym(key: bytes, value: str) -> str:
    """The pseudonym of one value under ``key``."""
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX_DIGITS]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE {_ident(table)}").fetchall()
    return {r[0]: str(r[1]) for r in rows}


def _ident(name: str) -> str:
    """A quoted SQL identifier (table or column name), safe for any characters."""
    return '"' + name.replace('"', '""') + '"'


def _mapping(key: bytes, values: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"raw": values, "pseudo": [pseudonym(key, v) for v in values]})


def _rewrite_column(con: duckdb.DuckDBPyConnection, table: str, column: str, key: bytes) -> None:
    col = _ident(column)
    if _columns(con, table)[column].upper() != "VARCHAR":
        con.execute(f"ALTER TABLE {_ident(table)} ALTER {col} TYPE VARCHAR")
    values = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT CAST({col} AS VARCHAR) FROM {_ident(table)} WHERE {col} IS NOT NULL"
        ).fetchall()
    ]
    if not values:
        return
    con.register("_lf_pseudonyms", _mapping(key, values))
    try:
        con.execute(
            f"UPDATE {_ident(table)} AS t SET {col} = m.pseudo FROM _lf_pseudonyms AS m "
            f"WHERE CAST(t.{col} AS VARCHAR) = m.raw"
        )
    finally:
        con.unregister("_lf_pseudonyms")


def _rewrite_json_member(
    con: duckdb.DuckDBPyConnection, table: str, json_column: str, member: str, key: bytes
) -> bool:
    """Replace one member of a JSON column; False when no row has that member."""
    col = _ident(json_column)
    path = "$." + '"' + member.replace("\\", "\\\\").replace('"', '\\"') + '"'
    values = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT json_extract_string({col}, ?) FROM {_ident(table)} "
            f"WHERE json_extract_string({col}, ?) IS NOT NULL",
            [path, path],
        ).fetchall()
    ]
    if not values:
        return False
    con.register("_lf_pseudonyms", _mapping(key, values))
    try:
        con.execute(
            f"UPDATE {_ident(table)} AS t SET {col} = "
            f"json_merge_patch(t.{col}, json_object(?, m.pseudo)) FROM _lf_pseudonyms AS m "
            f"WHERE json_extract_string(t.{col}, ?) = m.raw",
            [member, path],
        )
    finally:
        con.unregister("_lf_pseudonyms")
    return True


def profile_for_store(data: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """The profile as stored with a dataset, without the identities it names.

    ``departments.by_resource`` names staff; when resources are pseudonymised its keys are
    stored as their pseudonyms (the mapping still reads the same on the stored resources).
    """
    if not profile.pseudonymise.resource:
        return data
    departments = data.get("departments") or {}
    by_resource = departments.get("by_resource") or {}
    if not by_resource:
        return data
    key = load_key()
    hidden = {pseudonym(key, str(name)): dept for name, dept in by_resource.items()}
    return {**data, "departments": {**departments, "by_resource": hidden}}


def _json_columns(columns: dict[str, str]) -> list[str]:
    return [name for name, kind in columns.items() if kind.upper() == "JSON"]


def apply(con: duckdb.DuckDBPyConnection, table: str, profile: Profile) -> None:
    """Pseudonymise, in place, the identities of the staged rows in ``table``.

    Rewrites ``case_id`` and ``resource`` when the profile asks, and each attribute the
    profile names: a column of that name, or a member of that name in the table's JSON
    columns (e.g. ``attributes``). An attribute found nowhere is an error, so nothing the
    profile meant to hide is stored in clear. NULLs stay NULL.
    """
    if not wanted(profile):
        return
    key = load_key()
    columns = _columns(con, table)
    asked = profile.pseudonymise
    targets = [c for c, on in (("case_id", asked.case_id), ("resource", asked.resource)) if on]
    for name in targets:
        if name not in columns:
            raise LoanFlowError(
                f"The profile asks to pseudonymise {name} but the staged rows have no {name} "
                "column; map it under columns: in the profile.",
                code="pseudonymise_column_missing",
                name=name,
            )
        _rewrite_column(con, table, name, key)
    for attribute in asked.attributes:
        _rewrite_attribute(con, table, attribute, columns, key)


def _rewrite_attribute(
    con: duckdb.DuckDBPyConnection,
    table: str,
    attribute: str,
    columns: dict[str, str],
    key: bytes,
) -> None:
    if attribute in columns and columns[attribute].upper() != "JSON":
        _rewrite_column(con, table, attribute, key)
        return
    found = False
    for json_column in _json_columns(columns):
        found = _rewrite_json_member(con, table, json_column, attribute, key) or found
    if not found:
        raise LoanFlowError(
            f"The profile asks to pseudonymise the attribute {attribute!r}, but the log has "
            "no such column or attribute. Check its spelling against the file's header "
            "(names are case-sensitive).",
            code="pseudonymise_attribute_missing",
            attribute=attribute,
        )

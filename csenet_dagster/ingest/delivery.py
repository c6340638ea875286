"""Deliveries in the landing folder: finding them and validating their manifest.

Plain Python (no Dagster) so the delivery sensor can reuse it. Messages name
the delivery, the file and the rule broken, never a value from the data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from csenet_dagster.ingest.contract import CONTRACT_FILES

MANIFEST = "manifest.json"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 22


class DeliveryError(ValueError):
    """The delivery (or one of its files) breaks the extract contract; the message says where and how."""


@dataclass(frozen=True)
class ManifestFile:
    file_name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    delivery_id: str
    extracted_at: dt.datetime  # UTC, naive
    path: Path
    manifest_sha256: str
    files: tuple[ManifestFile, ...]  # sorted by file name

    def file(self, file_name: str) -> ManifestFile:
        for entry in self.files:
            if entry.file_name == file_name:
                return entry
        raise DeliveryError(f"delivery {self.delivery_id}: manifest does not name {file_name}")


@dataclass(frozen=True)
class CsvScan:
    """What one pass over a CSV's bytes tells us, without parsing any value."""

    rows: int  # data records (RFC 4180: quoted fields may hold newlines), header and blank lines excluded
    sha256: str
    # DuckDB numbers rejected records by line, counting the header as 1 and
    # blank lines too; these are the blank lines' numbers so rows can be renumbered.
    blank_lines: tuple[int, ...]


def scan_csv(path: Path, copy_to: Path | None = None) -> CsvScan:
    """Digest and record count of a CSV in one streaming pass (quote-aware, set-free, O(1) memory).

    With ``copy_to`` the bytes read are also written there (a new owner-only file), so
    the digest is the digest of exactly the copy: what is loaded is what was checked.
    """
    digest = hashlib.sha256()
    in_quotes = False
    line_no = 0  # DuckDB's numbering: every record or blank line, header = 1
    records = 0
    blanks: list[int] = []
    tail = b""
    copy = None
    if copy_to is not None:
        copy = os.fdopen(os.open(copy_to, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), "wb")
    with _open_regular(path) as handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            if copy is not None:
                copy.write(chunk)
            data = tail + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                tail = data
                continue
            tail = data[cut + 1 :]
            body = data[: cut + 1]
            # Fast path: no quotes and no blank lines => every newline ends a record.
            if not in_quotes and b'"' not in body and b"\n\n" not in body and b"\n\r\n" not in body and not body.startswith((b"\n", b"\r\n")):
                n = body.count(b"\n")
                line_no += n
                records += n
                continue
            for line in body.split(b"\n")[:-1]:
                if not in_quotes and not line.strip(b"\r"):
                    line_no += 1
                    blanks.append(line_no)
                    continue
                if line.count(b'"') & 1:
                    in_quotes = not in_quotes
                if not in_quotes:
                    line_no += 1
                    records += 1
    if copy is not None:
        copy.flush()
        os.fsync(copy.fileno())
        copy.close()
    if tail.strip(b"\r") or in_quotes:
        # A last record without newline, or an unterminated quote running to the end.
        records += 1
    return CsvScan(rows=max(records - 1, 0), sha256=digest.hexdigest(), blank_lines=tuple(blanks))


def read_header(path: Path, context: str) -> list[str]:
    """Column names of a CSV's header row; DeliveryError if there is none or it is not UTF-8."""
    raw = b""
    with open(path, "rb") as handle:
        for line in handle:
            raw += line
            if raw.strip(b"\r\n") and raw.count(b'"') % 2 == 0:
                break
            if len(raw) > 1 << 20:
                break
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DeliveryError(f"{context}: header row is not valid UTF-8 (byte {exc.start})") from None
    rows = [row for row in csv.reader(text.splitlines(keepends=True)) if row]
    if not rows:
        raise DeliveryError(f"{context}: file is empty (no header row)")
    return [name.strip() for name in rows[0]]


def _open_regular(path: Path):
    """``open(path, "rb")`` refusing a symbolic link at the last component (O_NOFOLLOW),
    so a file swapped for a link after it was checked is not followed either."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        if os.path.islink(path):
            raise DeliveryError(f"file {Path(path).name}: rule regular_file: is a symbolic link (not followed)") from None
        raise exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DeliveryError(f"file {Path(path).name}: rule regular_file: is not a regular file")
    return os.fdopen(fd, "rb")


def check_regular_file(folder: Path, file_name: str, where: str) -> Path:
    """``folder/file_name`` when it is a regular file inside the delivery folder.

    Symbolic links (even to a file inside the folder), devices, FIFOs, sockets and
    folders are refused, and so is any path that resolves outside the delivery
    folder: a delivery is the force's own bytes, not a pointer to elsewhere.
    """
    path = folder / file_name
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise DeliveryError(f"{where}: file {file_name}: rule file_present: named in the manifest but missing") from None
    if stat.S_ISLNK(info.st_mode):
        raise DeliveryError(
            f"{where}: file {file_name}: rule regular_file: is a symbolic link; delivery files must be "
            "regular files inside the delivery folder (links are never followed)"
        )
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, FIFO or socket"
        raise DeliveryError(f"{where}: file {file_name}: rule regular_file: is {kind}, not a regular file")
    if path.resolve().parent != folder.resolve():
        raise DeliveryError(f"{where}: file {file_name}: rule regular_file: resolves outside the delivery folder")
    return path


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name


def find_deliveries(landing_dir: Path) -> list[Path]:
    """Complete delivery folders (``manifest.json`` present), oldest first by delivery id."""
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        return []
    return sorted(
        (p for p in landing_dir.iterdir() if p.is_dir() and (p / MANIFEST).is_file()),
        key=lambda p: p.name,
    )


def resolve_delivery(landing_dir: Path, delivery_id: str = "") -> Path:
    """The folder of ``delivery_id``, or of the newest complete delivery when it is empty."""
    landing_dir = Path(landing_dir)
    if delivery_id:
        if not _plain_name(delivery_id):
            raise DeliveryError(f"delivery id {delivery_id!r} is not a folder name")
        folder = landing_dir / delivery_id
        if not folder.is_dir():
            raise DeliveryError(f"delivery {delivery_id}: no such folder in the landing directory {landing_dir}")
        return folder
    complete = find_deliveries(landing_dir)
    if not complete:
        raise DeliveryError(f"no complete delivery (folder with {MANIFEST}) in the landing directory {landing_dir}")
    return complete[-1]


def _parse_extracted_at(value: object, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise DeliveryError(f"{where}: rule manifest_format: extracted_at must be an ISO-8601 timestamp string")
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise DeliveryError(f"{where}: rule manifest_format: extracted_at is not an ISO-8601 timestamp") from None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return stamp


def _manifest_files(files: object, where: str) -> tuple[ManifestFile, ...]:
    if not isinstance(files, dict):
        raise DeliveryError(f"{where}: rule manifest_format: 'files' must be an object of file name -> {{rows, sha256}}")
    entries = []
    for name, entry in sorted(files.items()):
        if not _plain_name(name):
            raise DeliveryError(f"{where}: rule manifest_format: file name {name!r} is not a plain file name")
        rows = entry.get("rows") if isinstance(entry, dict) else None
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise DeliveryError(f"{where}: file {name}: rule manifest_format: 'rows' must be a non-negative integer")
        if not isinstance(sha, str) or not _SHA256.match(sha.lower()):
            raise DeliveryError(f"{where}: file {name}: rule manifest_format: 'sha256' must be 64 hex digits")
        entries.append(ManifestFile(name, rows, sha.lower()))
    return tuple(entries)


def read_manifest(path: Path) -> Manifest:
    """The parsed manifest of the delivery folder ``path`` (files not checked)."""
    path = Path(path)
    where = f"delivery {path.name}"
    manifest_path = path / MANIFEST
    if not manifest_path.is_file() and not manifest_path.is_symlink():
        raise DeliveryError(f"{where}: rule manifest_present: {MANIFEST} is missing (delivery incomplete or not a delivery)")
    if path.is_symlink():
        raise DeliveryError(
            f"{where}: rule regular_file: the delivery folder is a symbolic link; deliveries must be "
            "folders inside the landing folder"
        )
    check_regular_file(path, MANIFEST, where)
    with _open_regular(manifest_path) as handle:
        raw = handle.read()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise DeliveryError(f"{where}: rule manifest_format: {MANIFEST} is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise DeliveryError(
            f"{where}: rule manifest_format: {MANIFEST} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(doc, dict):
        raise DeliveryError(f"{where}: rule manifest_format: {MANIFEST} must hold a JSON object")
    missing = [k for k in ("delivery_id", "extracted_at", "files") if k not in doc]
    if missing:
        raise DeliveryError(f"{where}: rule manifest_format: {MANIFEST} lacks {', '.join(missing)}")
    if doc["delivery_id"] != path.name:
        raise DeliveryError(f"{where}: rule manifest_format: manifest delivery_id does not match the folder name")
    return Manifest(
        delivery_id=path.name,
        extracted_at=_parse_extracted_at(doc["extracted_at"], where),
        path=path,
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        files=_manifest_files(doc["files"], where),
    )


def validate_delivery(path: Path, copy_to: Path | None = None) -> Manifest:
    """The manifest of a delivery whose every file is present and matches its row count and digest.

    Raises :class:`DeliveryError` naming the delivery, file and rule otherwise.
    Every file must be a regular file inside the delivery folder (no links, devices,
    or paths resolving elsewhere).

    With ``copy_to`` (a folder that must not exist yet), the manifest and every file are
    copied there while they are hashed and counted, and the returned manifest describes
    the copy (``path`` = ``copy_to``, named after the delivery): loading from it loads
    exactly the bytes that were verified, whatever happens to the landing folder later.
    """
    manifest = read_manifest(path)
    where = f"delivery {manifest.delivery_id}"
    named = {entry.file_name for entry in manifest.files}
    for file_name in CONTRACT_FILES:
        if file_name not in named:
            raise DeliveryError(f"{where}: file {file_name}: rule contract_file_named: the manifest does not name it")
    if copy_to is not None:
        copy_to = Path(copy_to)
        if copy_to.name != manifest.delivery_id:
            raise ValueError(f"the verified copy folder must be named after the delivery ({manifest.delivery_id})")
        copy_to.mkdir(parents=True, mode=0o700)
        os.chmod(copy_to, 0o700)
    for entry in manifest.files:
        file_path = check_regular_file(manifest.path, entry.file_name, where)
        try:
            scan = scan_csv(file_path, copy_to=copy_to / entry.file_name if copy_to is not None else None)
        except DeliveryError as exc:
            raise DeliveryError(f"{where}: {exc}") from None
        if scan.sha256 != entry.sha256:
            raise DeliveryError(f"{where}: file {entry.file_name}: rule sha256_match: digest differs from the manifest")
        if scan.rows != entry.rows:
            raise DeliveryError(
                f"{where}: file {entry.file_name}: rule row_count_match: manifest says {entry.rows} rows, file has {scan.rows}"
            )
    if copy_to is None:
        return manifest
    # The manifest too, byte for byte as digested (the audit's manifest_sha256).
    copied = read_manifest_bytes(manifest.path)
    if hashlib.sha256(copied).hexdigest() != manifest.manifest_sha256:
        raise DeliveryError(f"{where}: rule manifest_unchanged: {MANIFEST} changed while the delivery was validated")
    fd = os.open(copy_to / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(copied)
    return Manifest(
        delivery_id=manifest.delivery_id,
        extracted_at=manifest.extracted_at,
        path=copy_to,
        manifest_sha256=manifest.manifest_sha256,
        files=manifest.files,
    )


def read_manifest_bytes(path: Path) -> bytes:
    with _open_regular(Path(path) / MANIFEST) as handle:
        return handle.read()

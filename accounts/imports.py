"""The CSV import engine: read and check a file, preview per-row errors, commit the valid rows in one transaction.

It knows nothing of accounts: each importable thing is an `ImportTarget` registered with `register_target`
(accounts, contacts, interactions and tickets live in importers.py; the revenue app adds subscriptions and
invoices, the metrics app custom metric values, the same way). Rules every target gets:
- the file must be UTF-8 (a BOM is fine); a line with other bytes is reported with its line and column;
- the header must name known columns, each once, and include the required ones;
- a text cell starting with = + - @ (a spreadsheet formula) is refused, so an export can never run it;
- a row whose key (e.g. account id) already appeared is reported with both lines;
- commit re-checks the file and writes every valid row in one transaction, upserting by key, so importing the
  same file again changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_STORED_ERRORS = 1000
# An error message names at most this many unknown columns (a file may have 100,000 of them).
MAX_NAMED_COLUMNS = 10
PREVIEW_ROWS = 10
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_SURROGATES = re.compile("[\udc80-\udcff]")


def background_rows() -> int:
    """Files with more data rows than this are checked and imported by a background job."""
    return getattr(settings, "ACCOUNTS_IMPORT_BACKGROUND_ROWS", 2000)


@dataclass(frozen=True)
class ImportColumn:
    """A column of an import file. `text` columns are checked for formulas; others are parsed by the target."""

    name: str
    required: bool = False
    help: str = ""
    example: str = ""
    text: bool = True


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


class RowInvalid(Exception):
    """Raised by a target's parse helpers: one problem with one field of one row (or, from RowProblems, every
    problem of the row in `problems`)."""

    def __init__(self, field: str, message: str, problems: list[RowInvalid] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.problems: list[RowInvalid] = problems or [self]


class RowProblems:
    """Collects every problem of one row, so the preview lists them all instead of stopping at the first.

    problems = RowProblems()
    data["tier"] = problems.check(lookup, ctx["tiers"], row["tier"], "tier", "tier")
    ...
    problems.raise_if_any()
    """

    def __init__(self) -> None:
        self.found: list[RowInvalid] = []

    def check(self, parse: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`parse(*args, **kwargs)`, or None after recording its RowInvalid."""
        try:
            return parse(*args, **kwargs)
        except RowInvalid as exc:
            self.found.extend(exc.problems)
            return None

    def add(self, field: str, message: str) -> None:
        self.found.append(RowInvalid(field, message))

    def failed(self, field: str) -> bool:
        return any(p.field == field for p in self.found)

    def raise_if_any(self) -> None:
        if self.found:
            first = self.found[0]
            raise RowInvalid(first.field, first.message, self.found)


class ImportTarget(ABC):
    """One kind of thing a CSV file can import. Subclasses set `key`, `label`, and implement the abstract hooks."""

    key: str = ""
    label: str = ""
    description: str = ""
    # How a duplicate row is described ("same account, metric and date"); by default the key's field name.
    key_label: str = ""
    # Place in the list of targets on the import page.
    order: int = 100

    @abstractmethod
    def columns(self) -> list[ImportColumn]:
        """The file's columns, in template order."""

    def prepare(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        """Load, in a few queries, what validating these rows needs (lookups by external id, picklists...)."""
        return {}

    def row_key(self, row: dict[str, str]) -> str | None:
        """The identity of a row within the file, for duplicate detection (None: no identity)."""
        return None

    @abstractmethod
    def validate(self, row: dict[str, str], ctx: dict[str, Any]) -> dict[str, Any]:
        """Parse one row into clean values, or raise RowInvalid / ValidationError."""

    def finalize(self, valid: list[tuple[int, dict[str, Any]]], ctx: dict[str, Any]) -> list[RowError]:
        """Checks across rows (e.g. a parent defined later in the file); returns errors for rows to drop."""
        return []

    @abstractmethod
    def write(self, line: int, clean: dict[str, Any], ctx: dict[str, Any]) -> str:
        """Upsert one valid row; return "created", "updated" or "unchanged"."""

    def after_write(self, ctx: dict[str, Any]) -> None:  # noqa: B027 (an optional hook: nothing by default)
        """Work left once every row is written (e.g. links to rows further down the file)."""

    def template_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        columns = self.columns()
        writer.writerow([c.name for c in columns])
        writer.writerow([c.example for c in columns])
        return buffer.getvalue()


_targets: dict[str, ImportTarget] = {}


def register_target(target: ImportTarget) -> None:
    _targets[target.key] = target


def targets() -> list[ImportTarget]:
    return sorted(_targets.values(), key=lambda target: target.order)


def target_for(key: str) -> ImportTarget | None:
    return _targets.get(key)


# Reading and checking ------------------------------------------------------------------------------------------


class FileInvalid(Exception):
    """The file as a whole cannot be imported (header, size, encoding of the header)."""


@dataclass
class CheckResult:
    total: int = 0
    valid: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict[str, str]] = field(default_factory=list)
    ctx: dict[str, Any] = field(default_factory=dict)

    @property
    def error_lines(self) -> int:
        return len({e.line for e in self.errors})


def _bad_bytes(text: str) -> str:
    return " ".join(f"0x{ord(ch) - 0xDC00:02X}" for ch in _SURROGATES.findall(text)[:3])


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Split a CSV file into its header and (line number, cells) rows. Bytes that are not UTF-8 survive as
    surrogates so the row they are in can be reported; raises FileInvalid for a bad header."""
    if len(data) > MAX_FILE_BYTES:
        raise FileInvalid(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it in parts.")
    text = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8", errors="surrogateescape")
    if "\x00" in text:
        raise FileInvalid("The file contains NUL bytes: it is not a CSV text file (maybe a spreadsheet?).")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FileInvalid("The file is empty.") from None
    except csv.Error as exc:
        raise FileInvalid(f"Line 1: {exc}") from None
    if _SURROGATES.search(",".join(header)):
        raise FileInvalid(
            f"Line 1 (the header) is not UTF-8 (bytes {_bad_bytes(','.join(header))}). Save the file as "
            "“CSV UTF-8” and upload it again."
        )
    rows = []
    line = 1
    try:
        for cells in reader:
            start = line + 1
            line = reader.line_num
            rows.append((start, cells))
    except csv.Error as exc:
        raise FileInvalid(f"Line {line + 1}: the CSV cannot be read ({exc}).") from None
    return [h.strip().lower() for h in header], rows


def _clip(text: str, length: int = 60) -> str:
    """A column name as a message quotes it: at most `length` characters."""
    return text if len(text) <= length else text[: length - 1] + "…"


def check_file(target: ImportTarget, data: bytes, *, progress: Callable[[int, int], None] | None = None) -> CheckResult:
    """Check every row of the file against the target; nothing is written."""
    header, raw_rows = read_rows(data)
    columns = {c.name: c for c in target.columns()}
    unknown = [h for h in header if h not in columns]
    if unknown:
        shown = ", ".join(repr(_clip(u)) for u in unknown[:MAX_NAMED_COLUMNS])
        more = f" and {len(unknown) - MAX_NAMED_COLUMNS:,} more" if len(unknown) > MAX_NAMED_COLUMNS else ""
        raise FileInvalid(
            f"Line 1: unknown column{'s' if len(unknown) > 1 else ''} {shown}{more}. "
            f"Known columns: {', '.join(columns)}. Download the template for the exact names."
        )
    doubled = [name for name, n in Counter(header).items() if n > 1]
    if doubled:
        raise FileInvalid(f"Line 1: the column {_clip(doubled[0])!r} appears more than once.")
    missing = [c.name for c in columns.values() if c.required and c.name not in header]
    if missing:
        raise FileInvalid(
            f"Line 1: the required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} is missing."
        )
    result = CheckResult()
    rows: list[tuple[int, dict[str, str]]] = []
    for line, cells in raw_rows:
        if not any(cell.strip() for cell in cells):
            continue
        result.total += 1
        if len(cells) != len(header):
            result.errors.append(
                RowError(line, "", f"has {len(cells)} cells but the header has {len(header)} columns.")
            )
            continue
        row = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        problems = []
        for name, value in row.items():
            if _SURROGATES.search(value):
                problems.append(
                    RowError(
                        line,
                        name,
                        f"is not UTF-8 text (bytes {_bad_bytes(value)}); save the "
                        "file as “CSV UTF-8” and upload it again.",
                    )
                )
            elif columns[name].text and value.startswith(FORMULA_PREFIXES):
                problems.append(
                    RowError(
                        line,
                        name,
                        f"starts with “{value[0]}”, which a spreadsheet would run as a formula; remove that character.",
                    )
                )
        if problems:
            result.errors.extend(problems)
            continue
        rows.append((line, row))
    result.ctx = target.prepare([row for _, row in rows])
    seen: dict[str, int] = {}
    for index, (line, row) in enumerate(rows):
        key = target.row_key(row)
        if key is not None and key in seen:
            name = key.split(":", 1)[0]
            result.errors.append(
                RowError(line, name, f"duplicates line {seen[key]} ({target.key_label or f'same {name}'}).")
            )
            continue
        if key is not None:
            seen[key] = line
        try:
            clean = target.validate(row, result.ctx)
        except RowInvalid as exc:
            result.errors.extend(RowError(line, p.field, p.message) for p in exc.problems)
            continue
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, messages in exc.message_dict.items():
                    result.errors.append(RowError(line, name, " ".join(messages)))
            else:
                result.errors.append(RowError(line, "", " ".join(exc.messages)))
            continue
        result.valid.append((line, clean))
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append(row)
        if progress and index % 200 == 0:
            progress(index, len(rows))
    dropped = target.finalize(result.valid, result.ctx)
    if dropped:
        bad_lines = {e.line for e in dropped}
        result.valid = [(line, clean) for line, clean in result.valid if line not in bad_lines]
        result.errors.extend(dropped)
    result.errors.sort(key=lambda e: (e.line, e.field))
    return result


# Jobs: check, preview, commit ------------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"accounts:import:{job_id}:progress"


def progress_of(job: ImportJob) -> tuple[int, int]:
    """(done, total) of a running job, as reported by the process running it."""
    done, total = cache.get(_progress_key(job.pk), (job.processed_rows, job.total_rows))
    return done, total


def _reporter(job: ImportJob, phase_weight: float, offset: float) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        total = max(total, 1)
        cache.set(_progress_key(job.pk), (int(offset * total + phase_weight * done), total), 3600)

    return report


def _store_errors(job: ImportJob, result: CheckResult) -> None:
    job.total_rows = result.total
    job.valid_rows = len(result.valid)
    job.error_rows = result.error_lines
    job.errors = [e.as_dict() for e in result.errors[:MAX_STORED_ERRORS]]


def _job_failed(job: ImportJob, message: str) -> ImportJob:
    """Mark a job failed with what is wrong with its file, so it never stays "validating" or "importing"."""
    job.file_error = message
    job.status = ImportStatus.FAILED
    job.finished_at = timezone.now()
    job.save()
    return job


def import_check(*, job: ImportJob) -> ImportJob:
    """Check the job's file and store the preview (valid count, per-row errors, sample rows). Writes nothing
    else."""
    target = target_for(job.target)
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        result = check_file(target, data, progress=_reporter(job, 1.0, 0.0) if job.background else None)
    except FileInvalid as exc:
        return _job_failed(job, str(exc))
    except Exception:
        _job_failed(job, "The file could not be checked because of an unexpected error; it was logged.")
        raise
    _store_errors(job, result)
    job.preview_rows = result.preview
    job.status = ImportStatus.PREVIEW
    job.save()
    return job


def import_commit(*, job: ImportJob) -> ImportJob:
    """Re-check the file and write every valid row in one transaction (upsert by key); rows with errors are
    skipped and reported. Counts created / updated / unchanged rows on the job. Any other error while writing
    rolls the whole file back and marks the job failed with that error (logged), so it never stays "committing"."""
    target = target_for(job.target)
    with job.file.open("rb") as handle:
        data = handle.read()
    report = _reporter(job, 0.5, 0.0) if job.background else None
    try:
        result = check_file(target, data, progress=report)
    except FileInvalid as exc:
        return _job_failed(job, str(exc))
    except Exception:
        _job_failed(job, "The file could not be checked because of an unexpected error; it was logged.")
        raise
    counts: Counter[str] = Counter()
    write_errors: list[RowError] = []
    line = 0
    try:
        with transaction.atomic():
            for index, (line, clean) in enumerate(result.valid):
                try:
                    with transaction.atomic():
                        counts[target.write(line, clean, result.ctx)] += 1
                except ValidationError as exc:
                    write_errors.append(RowError(line, "", " ".join(exc.messages)))
                except RowInvalid as exc:
                    write_errors.append(RowError(line, exc.field, exc.message))
                if report and index % 200 == 0:
                    total = len(result.valid)
                    cache.set(_progress_key(job.pk), (total // 2 + index // 2, total), 3600)
            target.after_write(result.ctx)
            result.errors.extend(write_errors)
            result.errors.sort(key=lambda e: (e.line, e.field))
            bad = {e.line for e in write_errors}
            result.valid = [(line, clean) for line, clean in result.valid if line not in bad]
            _store_errors(job, result)
            job.created_count = counts["created"]
            job.updated_count = counts["updated"]
            job.unchanged_count = counts["unchanged"]
            job.processed_rows = job.total_rows
            job.status = ImportStatus.DONE
            job.finished_at = timezone.now()
            job.save()
    except Exception as exc:
        # Anything but a row's own validation error stops the import: the transaction is rolled back whole, so
        # the job says where and why it stopped instead of staying "committing" with part of the file written.
        logger.exception("Import job %s stopped at line %s", job.pk, line)
        job.refresh_from_db()
        job.created_count = job.updated_count = job.unchanged_count = job.processed_rows = 0
        cache.delete(_progress_key(job.pk))
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        return _job_failed(
            job, f"The import stopped at line {line} because of an unexpected error ({reason}); nothing was written."
        )
    cache.delete(_progress_key(job.pk))
    return job


def import_start(*, target: ImportTarget, filename: str, data: bytes, by: Any) -> ImportJob:
    """Store an uploaded file as an import job and check it: at once for a small file, else in the background
    (enqueues accounts.jobs.import_check_job after commit)."""
    return _import_begin(target=target, filename=filename, data=data, commit=False, uploaded_by=by)


def import_unattended(
    *, target: ImportTarget, filename: str, data: bytes, source_id: int, check_only: bool = False
) -> ImportJob:
    """Import a file sent by a machine (the CSV import API): no one previews it, so it is checked and committed at
    once (or only checked with `check_only`, leaving it ready to import on the page); a large file goes to the
    background job that does the same. Raises ValidationError for an empty or oversized file."""
    return _import_begin(target=target, filename=filename, data=data, commit=not check_only, source_id=source_id)


def _import_begin(*, target: ImportTarget, filename: str, data: bytes, commit: bool, **owner: Any) -> ImportJob:
    """Store the file as a job of `owner` (uploaded_by or source_id), then check it, or check and commit it: at once
    for a small file, else by a background job enqueued after commit."""
    from django.core.files.base import ContentFile

    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it in parts.")
    if not data.strip():
        raise ValidationError("The file is empty.")
    job = ImportJob(target=target.key, filename=filename[:255], **owner)
    job.background = data.count(b"\n") > background_rows()
    job.status = ImportStatus.COMMITTING if commit and job.background else ImportStatus.VALIDATING
    job.file.save(f"{target.key}.csv", ContentFile(data), save=False)
    job.save()
    if job.background:
        from accounts.jobs import enqueue

        enqueue("commit" if commit else "check", job.pk)
        return job
    return import_commit(job=job) if commit else import_check(job=job)


def import_run_commit(*, job: ImportJob) -> ImportJob:
    """Commit a previewed job: at once, or in the background for a large file (enqueues
    accounts.jobs.import_commit_job after commit)."""
    if job.status != ImportStatus.PREVIEW:
        raise ValidationError("This import is not waiting for confirmation.")
    if job.background:
        job.status = ImportStatus.COMMITTING
        job.processed_rows = 0
        job.save(update_fields=["status", "processed_rows", "updated_at"])
        from accounts.jobs import enqueue

        enqueue("commit", job.pk)
        return job
    return import_commit(job=job)


# Parse helpers for targets -------------------------------------------------------------------------------------


def parse_date(value: str, name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise RowInvalid(name, f"“{value}” is not a date: use YYYY-MM-DD.") from None


def parse_datetime(value: str, name: str) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowInvalid(name, f"“{value}” is not a date and time: use YYYY-MM-DD or YYYY-MM-DD HH:MM.") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def parse_int(value: str, name: str, *, low: int | None = None, high: int | None = None) -> int | None:
    if not value:
        return None
    text = value.replace(",", "")
    if re.fullmatch(r"[+-]?\d+\.0+", text):
        text = text.split(".", 1)[0]
    try:
        number = int(text)
    except ValueError:
        raise RowInvalid(name, f"“{value}” is not a whole number.") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise RowInvalid(name, f"{number} is outside {low}-{high}.")
    return number


def parse_decimal(value: str, name: str, *, places: int = 4, limit: Decimal = Decimal("1e13")) -> Decimal | None:
    """A number with at most `places` decimals (rounded to them) below `limit` in size; thousands separators are
    fine."""
    if not value:
        return None
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise RowInvalid(name, f"“{value}” is not a number.") from None
    if not number.is_finite() or abs(number) >= limit:
        raise RowInvalid(name, f"{value} is out of range.")
    return number.quantize(Decimal(1).scaleb(-places))


def parse_bool(value: str, name: str) -> bool | None:
    if not value:
        return None
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "y", "x"}:
        return True
    if lowered in {"0", "false", "no", "n"}:
        return False
    raise RowInvalid(name, f"“{value}” is not yes/no.")


def split_list(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;|]", value or "") if part.strip()]


def lookup(mapping: dict[str, Any], value: str, name: str, what: str) -> Any:
    if not value:
        return None
    found = mapping.get(value.lower())
    if found is None:
        known = ", ".join(sorted({str(v) for v in mapping.values()})[:12])
        raise RowInvalid(name, f"unknown {what} “{value}” (known: {known or 'none yet'}).")
    return found


def chunked(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch

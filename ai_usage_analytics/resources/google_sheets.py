"""The reference sheet: API-key mappings, the HR roster and budgets, kept by people.

One resource key (``reference_sheets``), two implementations with the same interface:

- ``GoogleSheetsReference``: the Google Sheet ``GOOGLE_SHEET_ID``, read with gspread as the service
  account in ``GOOGLE_APPLICATION_CREDENTIALS`` (read-only scopes);
- ``LocalCsvReference``: ``api_key_mappings.csv``, ``users.csv`` and ``budgets.csv`` in
  ``AI_USAGE_REFERENCE_DIR``, with the same header rows (the default; the demo writes them).

Both return every cell as a string (parsing and validation belong to transform/reference.py), skip
entirely empty rows, and offer a cheap ``version()`` (Drive ``modifiedTime``; the files' mtimes) for
the sensor plus a ``content_hash()`` it computes only when the version moved.
"""

from __future__ import annotations

import csv
import hashlib
import json
from abc import ABC, abstractmethod
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

TABS = ("api_key_mappings", "users", "budgets")


class ReferenceDataError(RuntimeError):
    """The reference data cannot be read at all; the message says what to fix."""


def _check_tab(tab: str) -> None:
    if tab not in TABS:
        raise ValueError(f"unknown reference tab {tab!r}; expected one of {TABS}")


def _table(rows: list[list[str]]) -> tuple[list[str], list[dict[str, str]]]:
    """Header and records from raw rows: short rows padded, empty rows and unnamed columns dropped."""
    if not rows:
        return [], []
    header = [str(h).strip() for h in rows[0]]
    records = []
    for row in rows[1:]:
        cells = [str(c) if c is not None else "" for c in row] + [""] * max(0, len(header) - len(row))
        if any(c.strip() for c in cells):
            records.append({h: cells[i] for i, h in enumerate(header) if h})
    return header, records


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ReferenceDataError(f"Cannot read {path}: {error}. Save it as UTF-8 CSV.") from None


def csv_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and records of a reference CSV, read exactly like a sheet tab."""
    return _table(_csv_rows(path))


class ReferenceSheets(dg.ConfigurableResource, ABC):
    """The tabs api_key_mappings, users and budgets as header + string records."""

    @abstractmethod
    def _rows(self, tab: str) -> list[list[str]]:
        """All rows of the tab, header first, as the source holds them."""

    @abstractmethod
    def version(self) -> str:
        """A cheap token that changes whenever the content may have changed."""

    @abstractmethod
    def describe(self) -> str:
        """Where the data comes from, for messages and metadata (no credentials)."""

    def header(self, tab: str) -> list[str]:
        _check_tab(tab)
        return _table(self._rows(tab))[0]

    def records(self, tab: str) -> list[dict[str, str]]:
        _check_tab(tab)
        return _table(self._rows(tab))[1]

    def content_hash(self, tabs: tuple[str, ...] = ("api_key_mappings",)) -> str:
        """sha256 of the header and non-empty rows of ``tabs`` (by default the mapping tab only, so an
        edit to the roster or budgets does not re-attribute usage)."""
        digest = hashlib.sha256()
        for tab in tabs:
            header, records = self.header(tab), self.records(tab)
            digest.update(json.dumps([tab, header, [[r.get(h, "") for h in header] for r in records]]).encode())
        return digest.hexdigest()


class LocalCsvReference(ReferenceSheets):
    """The tabs as CSV files named after them in ``directory`` (AI_USAGE_REFERENCE_DIR)."""

    directory: str

    def _path(self, tab: str) -> Path:
        return Path(self.directory) / f"{tab}.csv"

    def _rows(self, tab: str) -> list[list[str]]:
        path = self._path(tab)
        if not path.is_file():
            raise ReferenceDataError(
                f"{path} does not exist. Create it with the header row of the '{tab}' tab (see the README), "
                "run `make demo` to write sample files, or set GOOGLE_SHEET_ID to read the Google Sheet."
            )
        return _csv_rows(path)

    def version(self) -> str:
        parts = []
        for tab in TABS:
            path = self._path(tab)
            stat = path.stat() if path.is_file() else None
            parts.append(f"{tab}:{stat.st_mtime_ns}:{stat.st_size}" if stat else f"{tab}:missing")
        return "|".join(parts)

    def describe(self) -> str:
        return f"CSV files in {self.directory}"


class GoogleSheetsReference(ReferenceSheets):
    """The Google Sheet with one tab per reference table, read as a service account."""

    sheet_id: str
    credentials_path: str = ""

    _client = PrivateAttr(default=None)
    _values: dict | None = PrivateAttr(default=None)

    def describe(self) -> str:
        return f"Google Sheet {self.sheet_id}"

    def _gspread(self):
        import gspread
        from google.auth.exceptions import GoogleAuthError

        if self._client is None:
            if not self.credentials_path:
                raise ReferenceDataError(
                    "GOOGLE_APPLICATION_CREDENTIALS is not set: point it at the service account's JSON key file "
                    "(or unset GOOGLE_SHEET_ID to use the local CSV files)."
                )
            try:
                self._client = gspread.service_account(filename=self.credentials_path, scopes=gspread.auth.READONLY_SCOPES)
            except (OSError, ValueError, KeyError, GoogleAuthError) as error:
                raise ReferenceDataError(
                    f"GOOGLE_APPLICATION_CREDENTIALS={self.credentials_path} is not a readable service account key "
                    f"({type(error).__name__}); download a JSON key for the service account and point the variable at it."
                ) from None
        return self._client

    def _call(self, what: str, call):
        """Run one Google call, turning every failure into a message that says what to fix."""
        import gspread
        import requests
        from google.auth.exceptions import GoogleAuthError

        try:
            return call()
        except gspread.exceptions.SpreadsheetNotFound:
            status = 404
        except PermissionError:
            status = 403
        except gspread.exceptions.APIError as error:
            status = error.response.status_code
            if status not in (403, 404):
                message = str(error.error.get("message", ""))[:200]
                raise ReferenceDataError(
                    f"Google {what} failed for {self.describe()}: HTTP {status} {message}. Try again later; "
                    "if it persists check the Sheets API quota and status in the GCP console."
                ) from None
        except (requests.RequestException, GoogleAuthError) as error:
            raise ReferenceDataError(
                f"Google {what} failed for {self.describe()}: cannot reach Google ({type(error).__name__}). "
                "Check the network and the service account key in GOOGLE_APPLICATION_CREDENTIALS."
            ) from None
        if status == 404:
            raise ReferenceDataError(
                f"Google Sheet {self.sheet_id} was not found (HTTP 404): check GOOGLE_SHEET_ID — it is the long id "
                "in the sheet's URL between /d/ and /edit."
            )
        raise ReferenceDataError(
            f"The service account {self._service_account_email()} has no access to Google Sheet {self.sheet_id} "
            f"(HTTP 403): share the sheet with {self._service_account_email()} (Viewer is enough)."
        )

    def _service_account_email(self) -> str:
        try:
            return json.loads(Path(self.credentials_path).read_text())["client_email"]
        except (OSError, ValueError, KeyError):
            return "the service account"

    def version(self) -> str:
        client = self._gspread()
        return self._call("Drive metadata read", lambda: client.get_file_drive_metadata(self.sheet_id))["modifiedTime"]

    def _rows(self, tab: str) -> list[list[str]]:
        if self._values is None:
            self._values = self._read_all()
        return self._values[tab]

    def _read_all(self) -> dict[str, list[list[str]]]:
        """Every tab in two calls: the metadata (which tabs exist) and one values:batchGet."""
        client = self._gspread()
        spreadsheet = self._call("Sheets metadata read", lambda: client.open_by_key(self.sheet_id))
        titles = [ws.title for ws in self._call("Sheets metadata read", spreadsheet.worksheets)]
        missing = [tab for tab in TABS if tab not in titles]
        if missing:
            raise ReferenceDataError(
                f"{self.describe()} has no tab named {missing} (it has {titles}): add the tab(s) or rename the "
                f"existing ones to exactly {list(TABS)}."
            )
        ranges = [f"'{tab}'" for tab in TABS]
        body = self._call("Sheets values read", lambda: spreadsheet.values_batch_get(ranges))
        values = [vr.get("values", []) for vr in body.get("valueRanges", [])]
        if len(values) != len(TABS):
            raise ReferenceDataError(f"{self.describe()} returned {len(values)} ranges for {len(TABS)} tabs; try again.")
        return dict(zip(TABS, values))

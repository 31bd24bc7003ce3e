"""The reference sheet resource: real gspread against Google mocked at the HTTP level, and the CSV twin."""

import json
import re
from pathlib import Path

import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ai_usage_analytics.resources.google_sheets import (
    TABS,
    GoogleSheetsReference,
    LocalCsvReference,
    ReferenceDataError,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "vendor" / "google_sheets"
SHEET_ID = "1M2mlIn8G_4hZYnBE1oh10QU9qUFp9KhiIxBT9oTCKOI"
SA_EMAIL = "ai-usage-reader@example-project.iam.gserviceaccount.com"
TOKEN_URI = "https://oauth2.googleapis.com/token"
SHEETS = f"https://sheets.googleapis.com/v4/spreadsheets/{SHEET_ID}"
DRIVE = f"https://www.googleapis.com/drive/v3/files/{SHEET_ID}"

MAPPING_ROWS = [
    ["api_key_id", "api_key_name", "user_email", "platform_code", "usage_purpose", "cost_center", "is_active",
     "confidence_score", "created_at", "last_verified"],
    ["apikey_01", "alice-dev", "alice@example.com", "claude_api", "coding", "CC-100", "TRUE", "1", "2025-01-02",
     "2025-02-01"],
    [],  # Google trims empty rows to []
    ["apikey_02", "research-bot", "bob@example.com", "claude_api", "research"],  # and trailing empty cells
]


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(scope="module")
def credentials_file(tmp_path_factory) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path = tmp_path_factory.mktemp("sa") / "service_account.json"
    path.write_text(json.dumps({
        "type": "service_account",
        "project_id": "example-project",
        "private_key_id": "0123456789abcdef",
        "private_key": pem.decode(),
        "client_email": SA_EMAIL,
        "client_id": "1234567890",
        "token_uri": TOKEN_URI,
    }))
    return str(path)


@pytest.fixture
def google():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URI, json={"access_token": "ya29.test-token", "expires_in": 3600, "token_type": "Bearer"})
        yield mock


def metadata(titles) -> dict:
    body = fixture("spreadsheets_get_metadata.json")
    body["spreadsheetId"] = SHEET_ID
    body["sheets"] = [
        {"properties": {"sheetId": i, "title": t, "index": i, "sheetType": "GRID",
                        "gridProperties": {"rowCount": 1000, "columnCount": 26}}}
        for i, t in enumerate(titles)
    ]
    return body


def batch(values_per_tab) -> dict:
    ranges = []
    for tab, values in zip(TABS, values_per_tab):
        value_range = {"range": f"{tab}!A1:Z1000", "majorDimension": "ROWS"}
        if values:  # Google omits "values" for an empty range
            value_range["values"] = values
        ranges.append(value_range)
    return {"spreadsheetId": SHEET_ID, "valueRanges": ranges}


def serve_sheet(mock, values_per_tab, titles=TABS):
    mock.get(re.compile(re.escape(SHEETS) + r"\?"), json=metadata(titles))
    mock.get(re.compile(re.escape(SHEETS) + r"/values:batchGet"), json=batch(values_per_tab))


def test_reads_every_tab_in_one_batch_with_ragged_rows_padded(google, credentials_file):
    serve_sheet(google, [MAPPING_ROWS, [["user_email"], ["a@example.com"]], []])
    sheets = GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file)

    assert sheets.header("api_key_mappings") == MAPPING_ROWS[0]
    records = sheets.records("api_key_mappings")
    assert [r["api_key_id"] for r in records] == ["apikey_01", "apikey_02"]
    assert records[1]["confidence_score"] == "" and records[1]["usage_purpose"] == "research"
    assert records[0]["confidence_score"] == "1"  # strings, never numericised
    assert sheets.records("users") == [{"user_email": "a@example.com"}]
    assert sheets.header("budgets") == [] and sheets.records("budgets") == []

    batch_calls = [c for c in google.calls if "values:batchGet" in c.request.url]
    assert len(batch_calls) == 1
    assert batch_calls[0].request.url.count("ranges=") == 3
    assert batch_calls[0].request.headers["authorization"] == "Bearer ya29.test-token"


def test_version_is_one_drive_call_for_modified_time(google, credentials_file):
    google.get(re.compile(re.escape(DRIVE)), json=fixture("drive_files_get_modifiedTime.json"))
    sheets = GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file)
    assert sheets.version() == "2023-09-06T21:29:57.905Z"
    google_calls = [c for c in google.calls if c.request.url != TOKEN_URI]
    assert len(google_calls) == 1 and "fields=id%2Cname%2CcreatedTime%2CmodifiedTime" in google_calls[0].request.url


def test_content_hash_ignores_trailing_blanks_and_other_tabs(google, credentials_file):
    serve_sheet(google, [MAPPING_ROWS, [["user_email"]], [["budget_category"]]])
    first = GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file).content_hash()
    google.replace(responses.GET, re.compile(re.escape(SHEETS) + r"/values:batchGet"),
                   json=batch([[*MAPPING_ROWS, [], ["", ""]], [["user_email"], ["x@example.com"]], []]))
    second = GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file).content_hash()
    assert first == second
    edited = [MAPPING_ROWS[0], [*MAPPING_ROWS[1][:2], "carol@example.com", *MAPPING_ROWS[1][3:]]]
    google.replace(responses.GET, re.compile(re.escape(SHEETS) + r"/values:batchGet"), json=batch([edited, [], []]))
    assert GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file).content_hash() != first


def test_403_says_share_the_sheet_with_the_service_account(google, credentials_file):
    google.get(re.compile(re.escape(SHEETS)), status=403, json=fixture("error_403_permission_denied.json"))
    sheets = GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file)
    with pytest.raises(ReferenceDataError, match=f"share the sheet with {re.escape(SA_EMAIL)}"):
        sheets.records("api_key_mappings")


def test_404_says_check_the_sheet_id(google, credentials_file):
    google.get(re.compile(re.escape(SHEETS)), status=404, json=fixture("error_404_spreadsheet_not_found.json"))
    with pytest.raises(ReferenceDataError, match="check GOOGLE_SHEET_ID"):
        GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file).records("users")


def test_drive_403_on_version_names_the_fix_too(google, credentials_file):
    google.get(re.compile(re.escape(DRIVE)), status=403, json=fixture("error_403_permission_denied.json"))
    with pytest.raises(ReferenceDataError, match="share the sheet"):
        GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file).version()


def test_server_error_and_network_failure_are_one_clear_message(google, credentials_file):
    google.get(re.compile(re.escape(SHEETS)), status=503, json={"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}})
    with pytest.raises(ReferenceDataError, match="HTTP 503 The service is currently unavailable"):
        GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file).records("users")
    google.replace(responses.GET, re.compile(re.escape(SHEETS)), body=requests.exceptions.ConnectionError("connection reset"))
    with pytest.raises(ReferenceDataError, match="cannot reach Google"):
        GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file).records("users")


def test_a_missing_tab_is_named(google, credentials_file):
    serve_sheet(google, [MAPPING_ROWS, [], []], titles=("api_key_mappings", "Users", "budgets"))
    with pytest.raises(ReferenceDataError, match=r"no tab named \['users'\]"):
        GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=credentials_file).records("users")


def test_credentials_problems_name_the_variable(tmp_path):
    with pytest.raises(ReferenceDataError, match="GOOGLE_APPLICATION_CREDENTIALS is not set"):
        GoogleSheetsReference(sheet_id=SHEET_ID).version()
    bad = tmp_path / "key.json"
    bad.write_text("{not json")
    with pytest.raises(ReferenceDataError, match="not a readable service account key"):
        GoogleSheetsReference(sheet_id=SHEET_ID, credentials_path=str(bad)).version()


def write_csv(directory: Path, tab: str, text: str) -> None:
    (directory / f"{tab}.csv").write_text(text, encoding="utf-8")


def test_csv_reference_reads_like_the_sheet(tmp_path):
    write_csv(tmp_path, "api_key_mappings", "api_key_id,user_email\napikey_01,alice@example.com\n,\n\napikey_02,\n")
    write_csv(tmp_path, "users", "user_email\n")
    write_csv(tmp_path, "budgets", "budget_category,month,budget_usd\n")
    sheets = LocalCsvReference(directory=str(tmp_path))
    assert sheets.header("api_key_mappings") == ["api_key_id", "user_email"]
    assert sheets.records("api_key_mappings") == [
        {"api_key_id": "apikey_01", "user_email": "alice@example.com"},
        {"api_key_id": "apikey_02", "user_email": ""},
    ]
    assert sheets.records("users") == []


def test_csv_version_moves_on_write_and_hash_only_on_content(tmp_path):
    for tab in TABS:
        write_csv(tmp_path, tab, "a,b\n1,2\n")
    sheets = LocalCsvReference(directory=str(tmp_path))
    version, digest = sheets.version(), sheets.content_hash()
    write_csv(tmp_path, "api_key_mappings", "a,b\n1,2\n\n")  # touched, same content
    assert sheets.version() != version and sheets.content_hash() == digest
    write_csv(tmp_path, "users", "a,b\n3,4\n")  # another tab: not the mapping's content
    assert sheets.content_hash() == digest
    write_csv(tmp_path, "api_key_mappings", "a,b\n1,3\n")
    assert sheets.content_hash() != digest


def test_a_missing_csv_says_how_to_create_it(tmp_path):
    with pytest.raises(ReferenceDataError, match=r"users\.csv does not exist.*make demo"):
        LocalCsvReference(directory=str(tmp_path)).records("users")
    assert "missing" in LocalCsvReference(directory=str(tmp_path)).version()

-- raw_cursor_events: Cursor POST /teams/daily-usage-data, one row per member (email) per UTC day.
-- Partitioned by the day the data describes (not ingest_date: a re-fetch replaces the day).
CREATE TABLE IF NOT EXISTS raw_cursor_events (
  event_id STRING NOT NULL OPTIONS (description = "Deterministic id of (email, usage_date)"),
  ingest_date DATE NOT NULL OPTIONS (description = "UTC day the row was fetched"),
  fetched_at TIMESTAMP NOT NULL OPTIONS (description = "When the row was fetched"),
  email STRING NOT NULL OPTIONS (description = "Member email, lower-cased (direct attribution)"),
  usage_date DATE NOT NULL OPTIONS (description = "UTC day of the activity (`day`, else `date` epoch ms)"),
  session_id STRING OPTIONS (description = "Always null: daily usage has no session dimension"),
  total_lines_added INT64 OPTIONS (description = "Lines suggested (added) by AI"),
  accepted_lines_added INT64 OPTIONS (description = "Suggested lines the user accepted"),
  total_accepts INT64,
  total_rejects INT64,
  subscription_included_reqs INT64 OPTIONS (description = "Raw event count, not billable request units"),
  usage_based_reqs INT64 OPTIONS (description = "Raw event count, not billable request units"),
  most_used_model STRING,
  client_version STRING,
  raw_response JSON OPTIONS (description = "The vendor row as returned, credentials scrubbed"),
  event_timestamp TIMESTAMP OPTIONS (description = "Start of the UTC day (`date` epoch ms)"),
  user_id STRING OPTIONS (description = "Cursor user id as text (numeric in some doc versions)"),
  is_active BOOL,
  total_lines_deleted INT64,
  accepted_lines_deleted INT64,
  total_applies INT64,
  total_tabs_shown INT64,
  total_tabs_accepted INT64,
  composer_requests INT64,
  chat_requests INT64,
  agent_requests INT64,
  cmdk_usages INT64,
  api_key_reqs INT64,
  bugbot_usages INT64,
  apply_most_used_extension STRING,
  tab_most_used_extension STRING
)
PARTITION BY usage_date
CLUSTER BY email, usage_date
OPTIONS (description = "Cursor daily usage per member");

-- raw_claude_code_events: Anthropic GET /v1/organizations/usage_report/claude_code,
-- one row per actor x day (x customer type, terminal, remote/local).
CREATE TABLE IF NOT EXISTS raw_claude_code_events (
  event_id STRING NOT NULL OPTIONS (description = "Deterministic id of (day, actor, customer_type, terminal_type, is_remote)"),
  ingest_date DATE NOT NULL,
  fetched_at TIMESTAMP NOT NULL,
  usage_date DATE NOT NULL,
  actor_type STRING NOT NULL OPTIONS (description = "user_actor or api_actor"),
  actor_email STRING OPTIONS (description = "user_actor email, lower-cased"),
  api_key_name STRING OPTIONS (description = "api_actor key name (map via the API key listing or the sheet)"),
  organization_id STRING,
  customer_type STRING OPTIONS (description = "api or subscription"),
  subscription_type STRING OPTIONS (description = "enterprise, team or null"),
  terminal_type STRING,
  is_remote BOOL OPTIONS (description = "Null in the 2025 report, which did not split remote and local"),
  num_sessions INT64,
  lines_added INT64,
  lines_removed INT64,
  commits_by_claude_code INT64,
  pull_requests_by_claude_code INT64,
  tool_accepted INT64 OPTIONS (description = "Sum of accepted over every tool in tool_actions"),
  tool_rejected INT64 OPTIONS (description = "Sum of rejected over every tool in tool_actions"),
  tool_actions JSON,
  input_tokens INT64 OPTIONS (description = "Sum over model_breakdown"),
  output_tokens INT64,
  cache_read_tokens INT64,
  cache_creation_tokens INT64,
  estimated_cost_usd NUMERIC(38, 9) OPTIONS (description = "Vendor estimate (cents converted); never billed cost"),
  model_breakdown JSON OPTIONS (description = "Per-model tokens and estimated cost (cents) as returned"),
  raw_response JSON OPTIONS (description = "The record as returned, credentials scrubbed")
)
PARTITION BY usage_date
CLUSTER BY actor_email, api_key_name
OPTIONS (description = "Claude Code activity per actor and day");

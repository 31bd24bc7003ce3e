-- raw_cursor_usage_events: Cursor POST /teams/filtered-usage-events, one row per usage event.
CREATE TABLE IF NOT EXISTS raw_cursor_usage_events (
  event_id STRING NOT NULL OPTIONS (description = "Deterministic id of the event's content (duplicates across pages collapse)"),
  ingest_date DATE NOT NULL,
  fetched_at TIMESTAMP NOT NULL,
  usage_date DATE NOT NULL OPTIONS (description = "UTC day of event_timestamp"),
  event_timestamp TIMESTAMP NOT NULL OPTIONS (description = "`timestamp` (epoch ms as a string)"),
  user_email STRING OPTIONS (description = "Lower-cased; null for service accounts"),
  model STRING,
  kind STRING OPTIONS (description = "e.g. Usage-based, Included in Business"),
  max_mode BOOL,
  requests_costs FLOAT64 OPTIONS (description = "Billable request units"),
  is_token_based_call BOOL,
  is_chargeable BOOL,
  is_headless BOOL,
  input_tokens INT64,
  output_tokens INT64,
  cache_write_tokens INT64,
  cache_read_tokens INT64,
  token_cost_usd NUMERIC(38, 9) OPTIONS (description = "tokenUsage.totalCents in dollars"),
  discount_percent_off FLOAT64,
  charged_usd NUMERIC(38, 9) OPTIONS (description = "chargedCents in dollars; sums to /teams/spend"),
  cursor_token_fee_usd NUMERIC(38, 9) OPTIONS (description = "cursorTokenFee in dollars"),
  conversation_id STRING,
  service_account_id STRING,
  service_account_name STRING,
  cloud_agent_id STRING,
  automation_id STRING,
  raw_response JSON OPTIONS (description = "The vendor event as returned, credentials scrubbed")
)
PARTITION BY usage_date
CLUSTER BY user_email, usage_date
OPTIONS (description = "Cursor usage events (requests, tokens, charges)");

-- raw_claude_web_costs: Claude Enterprise Analytics API GET /v1/organizations/analytics/user_cost_report,
-- 1d buckets grouped by product, model, cost_type and token_type: one row per user x day x cost line.
CREATE TABLE IF NOT EXISTS raw_claude_web_costs (
  cost_id STRING NOT NULL OPTIONS (description = "Deterministic id of (bucket, user, product, model, cost_type, token_type, ...)"),
  ingest_date DATE NOT NULL,
  fetched_at TIMESTAMP NOT NULL,
  cost_date DATE NOT NULL OPTIONS (description = "UTC day of starting_at (partition)"),
  starting_at TIMESTAMP,
  ending_at TIMESTAMP,
  actor_type STRING,
  actor_user_id STRING,
  actor_email STRING OPTIONS (description = "Lower-cased; null for deleted users"),
  actor_name STRING,
  actor_deleted BOOL,
  platform STRING NOT NULL OPTIONS (description = "claude_code for product claude_code, else claude_web"),
  product STRING,
  model STRING,
  cost_type STRING,
  token_type STRING,
  context_window STRING,
  inference_geo STRING,
  speed STRING,
  rbac_group_id STRING,
  amount_usd NUMERIC(38, 9) NOT NULL OPTIONS (description = "`amount` (cents string, post-discount, pre-credit) / 100"),
  list_amount_usd NUMERIC(38, 9) OPTIONS (description = "`list_amount` / 100"),
  currency STRING,
  requests INT64,
  raw_response JSON OPTIONS (description = "The row as returned, credentials scrubbed")
)
PARTITION BY cost_date
CLUSTER BY actor_email, cost_date
OPTIONS (description = "Claude.ai (and Claude Code seat) billed cost per user, day and cost line");

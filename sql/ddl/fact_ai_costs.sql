-- fact_ai_costs: every billed dollar, allocated to a person (or to 'unattributed'), one row per
-- person x platform x UTC day x source cost line (x API key for allocated Anthropic lines).
CREATE TABLE IF NOT EXISTS fact_ai_costs (
  cost_id STRING NOT NULL OPTIONS (description = "Deterministic id of (source line, recipient key or email)"),
  user_sk STRING NOT NULL,
  platform_sk STRING NOT NULL,
  cost_date DATE NOT NULL,
  cost_timestamp TIMESTAMP OPTIONS (description = "Start of the UTC day"),
  api_key_id STRING OPTIONS (description = "Key the share was allocated through (Anthropic)"),
  billing_account_id STRING OPTIONS (description = "Null: no source reports a billing account id"),
  base_cost_usd NUMERIC(38, 9) OPTIONS (description = "Subscription part of allocated_cost_usd"),
  usage_cost_usd NUMERIC(38, 9) OPTIONS (description = "Usage part of allocated_cost_usd"),
  overage_cost_usd NUMERIC(38, 9) OPTIONS (description = "On-demand charges beyond included usage (Cursor)"),
  total_cost_usd NUMERIC(38, 9) NOT NULL OPTIONS (description = "Billed amount of the whole source line before allocation"),
  cost_type STRING NOT NULL OPTIONS (description = "subscription, usage, overage"),
  currency_code STRING NOT NULL,
  billable_units FLOAT64 OPTIONS (description = "This row's units (tokens, requests, seat-days) behind its share"),
  unit_type STRING OPTIONS (description = "tokens, web_search_requests, requests, seat_days"),
  rate_per_unit FLOAT64 OPTIONS (description = "Line amount / line units, where units are known"),
  allocated_cost_usd NUMERIC(38, 9) NOT NULL OPTIONS (description = "This row's dollars; rows of a line add up to total_cost_usd exactly"),
  allocation_percentage FLOAT64 NOT NULL OPTIONS (description = "Share of the line, 0-100; a line's rows add up to 100"),
  allocation_method STRING NOT NULL OPTIONS (description = "direct (vendor names the person), usage_based, equal_split, unattributed"),
  allocation_confidence FLOAT64 NOT NULL OPTIONS (description = "direct/usage_based 1.0, equal_split 0.5, unattributed 0"),
  budget_category STRING NOT NULL OPTIONS (description = "The person's department"),
  budget_allocated_usd NUMERIC(38, 9) OPTIONS (description = "That category's budget for the month; null without a budget"),
  is_over_budget BOOL OPTIONS (description = "Month-to-date spend of the category, through cost_date, above its budget"),
  ingest_timestamp TIMESTAMP NOT NULL,
  pipeline_run_id STRING NOT NULL,
  cost_source STRING NOT NULL OPTIONS (description = "anthropic_cost_report, cursor_usage_events, cursor_seats"),
  source_line_id STRING NOT NULL OPTIONS (description = "The billed line this row is a share of"),
  attribution_method STRING NOT NULL,
  attribution_confidence FLOAT64 NOT NULL,
  workspace_id STRING,
  model_name STRING,
  token_type STRING,
  description STRING,
  cost_center STRING,
  use_case STRING NOT NULL
)
PARTITION BY cost_date
CLUSTER BY user_sk, platform_sk
OPTIONS (description = "Billed AI cost allocated to people, with budgets");

-- raw_gemini_costs: Cloud Billing export (BigQuery, or the local CSV of the same columns), Gemini API and
-- Vertex AI Gemini SKUs only: one row per export line.
CREATE TABLE IF NOT EXISTS raw_gemini_costs (
  cost_id STRING NOT NULL OPTIONS (description = "Deterministic id of the export line's fields"),
  ingest_date DATE NOT NULL,
  fetched_at TIMESTAMP NOT NULL,
  cost_date DATE NOT NULL OPTIONS (description = "UTC day of usage_start_time (partition)"),
  usage_start_time TIMESTAMP NOT NULL,
  usage_end_time TIMESTAMP,
  billing_account_id STRING,
  service_id STRING,
  service_description STRING NOT NULL OPTIONS (description = "Gemini API, Generative Language API or Vertex AI"),
  sku_id STRING,
  sku_description STRING,
  project_id STRING OPTIONS (description = "project.id: attribution through api_key_mappings (api_key_id = project id)"),
  project_name STRING,
  label_user STRING OPTIONS (description = "Request label user: the caller's email encoded (transform.gemini.email_label)"),
  label_team STRING OPTIONS (description = "Request label team"),
  labels JSON OPTIONS (description = "Every label as exported: [{key, value}]"),
  cost NUMERIC(38, 9) NOT NULL OPTIONS (description = "Gross cost in currency"),
  credits_amount NUMERIC(38, 9) NOT NULL OPTIONS (description = "SUM(credits.amount), negative or 0"),
  net_cost NUMERIC(38, 9) NOT NULL OPTIONS (description = "cost + credits_amount: the billed amount"),
  currency STRING NOT NULL,
  cost_type STRING OPTIONS (description = "regular, tax, adjustment, rounding error"),
  usage_amount FLOAT64,
  usage_unit STRING
)
PARTITION BY cost_date
CLUSTER BY project_id, cost_date
OPTIONS (description = "Gemini API / Vertex AI cost lines from the Cloud Billing export");

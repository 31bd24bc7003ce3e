-- Gemini API / Vertex AI cost lines from the Cloud Billing export (standard or detailed usage cost table),
-- flattened to the columns of the local CSV (resources/gemini_billing.py BILLING_COLUMNS).
-- The table in braces is GEMINI_BILLING_EXPORT_TABLE (project.dataset.table, validated before it is put in).
-- The window is pushed down on usage_start_time; rows are kept whatever their export_time, because late
-- rows (credits, adjustments) are exported days after the usage they belong to.
-- Vertex AI rows count only for Gemini SKUs; every Gemini API row counts.
SELECT
  billing_account_id,
  service.id AS service_id,
  service.description AS service_description,
  sku.id AS sku_id,
  sku.description AS sku_description,
  usage_start_time,
  usage_end_time,
  project.id AS project_id,
  project.name AS project_name,
  TO_JSON_STRING(labels) AS labels,
  cost,
  currency,
  (SELECT IFNULL(SUM(c.amount), 0) FROM UNNEST(credits) AS c) AS credits_amount,
  cost_type,
  usage.amount AS usage_amount,
  usage.unit AS usage_unit
FROM `{table}`
WHERE usage_start_time >= @start
  AND usage_start_time < @end
  AND (
    service.description IN UNNEST(@api_services)
    OR (service.description IN UNNEST(@vertex_services) AND sku.description LIKE '%Gemini%')
  )

-- vw_unattributed_spend: the worklist of spend no one could be tied to, largest first.
-- Columns:
--   spend_rank, platform_sk, api_key_id, api_key_name, workspace_id, workspace_name, cost_source,
--   unattributed_usd, first_seen, last_seen, days_with_spend,
--   suggested_owner_email (the Console user who created the key, if known: a lead, not an attribution),
--   fix (what to do: map the key in the mapping sheet, or check the vendor's members).
WITH spend AS (
  SELECT platform_sk, api_key_id, workspace_id, cost_source,
    SUM(allocated_cost_usd) AS unattributed_usd,
    MIN(cost_date) AS first_seen, MAX(cost_date) AS last_seen, COUNT(DISTINCT cost_date) AS days_with_spend
  FROM fact_ai_costs
  WHERE user_sk = 'unattributed'
  GROUP BY platform_sk, api_key_id, workspace_id, cost_source
)
SELECT
  RANK() OVER (ORDER BY s.unattributed_usd DESC) AS spend_rank,
  s.platform_sk,
  s.api_key_id,
  k.api_key_name,
  s.workspace_id,
  w.workspace_name,
  s.cost_source,
  CAST(s.unattributed_usd AS FLOAT64) AS unattributed_usd,
  s.first_seen,
  s.last_seen,
  s.days_with_spend,
  creator.email AS suggested_owner_email,
  CASE
    WHEN s.api_key_id IS NOT NULL THEN 'Add this key to the api_key_mappings sheet'
    WHEN s.cost_source = 'anthropic_cost_report' THEN 'No key used this workspace that day: check who uses the workspace'
    ELSE 'The vendor named no person: check the vendor account (service accounts, removed members)'
  END AS fix
FROM spend AS s
LEFT JOIN raw_anthropic_api_keys AS k ON k.api_key_id = s.api_key_id
LEFT JOIN raw_anthropic_workspaces AS w ON w.workspace_id = s.workspace_id
LEFT JOIN raw_anthropic_users AS creator ON creator.user_id = k.created_by_id

-- vw_focus_costs: every allocated cost row in the FinOps FOCUS 1.2 column set, so finance tools can read it as is.
-- Columns:
--   BilledCost, EffectiveCost, ListCost, ContractedCost (all the allocated billed dollars: vendors report no
--   discounts separately here), BillingCurrency, BillingPeriodStart, BillingPeriodEnd (calendar month),
--   ChargePeriodStart, ChargePeriodEnd (the UTC day), ChargeCategory ('Purchase' for seats, 'Usage' otherwise),
--   ChargeClass (null: no corrections), ChargeDescription, ChargeFrequency ('Recurring' for seats, 'Usage-Based'),
--   ConsumedQuantity, ConsumedUnit, PricingQuantity, PricingUnit, ProviderName, PublisherName, InvoiceIssuerName,
--   ServiceName, ServiceCategory ('AI and Machine Learning'), ServiceSubcategory ('Generative AI'), SkuId,
--   SubAccountId (Anthropic workspace), SubAccountName, ResourceId (API key), x_CostId, x_AllocationMethod,
--   Tags (JSON: person, department, cost_center, use_case, attribution_method).
SELECT
  CAST(f.allocated_cost_usd AS FLOAT64) AS BilledCost,
  CAST(f.allocated_cost_usd AS FLOAT64) AS EffectiveCost,
  CAST(f.allocated_cost_usd AS FLOAT64) AS ListCost,
  CAST(f.allocated_cost_usd AS FLOAT64) AS ContractedCost,
  f.currency_code AS BillingCurrency,
  TIMESTAMP(DATE_TRUNC(f.cost_date, MONTH)) AS BillingPeriodStart,
  TIMESTAMP(DATE_ADD(DATE_TRUNC(f.cost_date, MONTH), INTERVAL 1 MONTH)) AS BillingPeriodEnd,
  TIMESTAMP(f.cost_date) AS ChargePeriodStart,
  TIMESTAMP(DATE_ADD(f.cost_date, INTERVAL 1 DAY)) AS ChargePeriodEnd,
  CASE WHEN f.cost_type = 'subscription' THEN 'Purchase' ELSE 'Usage' END AS ChargeCategory,
  CAST(NULL AS STRING) AS ChargeClass,
  f.description AS ChargeDescription,
  CASE WHEN f.cost_type = 'subscription' THEN 'Recurring' ELSE 'Usage-Based' END AS ChargeFrequency,
  f.billable_units AS ConsumedQuantity,
  f.unit_type AS ConsumedUnit,
  f.billable_units AS PricingQuantity,
  f.unit_type AS PricingUnit,
  p.vendor AS ProviderName,
  p.vendor AS PublisherName,
  p.vendor AS InvoiceIssuerName,
  p.platform_name AS ServiceName,
  'AI and Machine Learning' AS ServiceCategory,
  'Generative AI' AS ServiceSubcategory,
  COALESCE(f.model_name || ':' || f.token_type, f.model_name, f.cost_type) AS SkuId,
  f.workspace_id AS SubAccountId,
  w.workspace_name AS SubAccountName,
  f.api_key_id AS ResourceId,
  f.cost_id AS x_CostId,
  f.allocation_method AS x_AllocationMethod,
  TO_JSON_STRING(STRUCT(
    u.user_email AS person,
    f.budget_category AS department,
    f.cost_center AS cost_center,
    f.use_case AS use_case,
    f.attribution_method AS attribution_method
  )) AS Tags
FROM fact_ai_costs AS f
LEFT JOIN dim_platforms AS p ON p.platform_sk = f.platform_sk
LEFT JOIN dim_users AS u ON u.user_sk = f.user_sk
LEFT JOIN raw_anthropic_workspaces AS w ON w.workspace_id = f.workspace_id

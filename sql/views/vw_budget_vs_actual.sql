-- vw_budget_vs_actual: budget against actual AI spend per budget category (department) and month.
-- Columns:
--   month, month_start, budget_category, budget_usd (null when no budget was set), actual_usd (allocated spend
--   to date), data_through (last day with cost data in the month), working_days_elapsed, working_days_in_month,
--   forecast_month_end_usd (run-rate: actual / working days elapsed x working days in the month; the whole
--   actual once the month's data is complete), variance_usd (forecast - budget), variance_pct (variance / budget),
--   status ('over' when the forecast exceeds the budget, 'under' otherwise, 'no_budget' without one).
-- Working days are Monday to Friday; public holidays are not known here.
WITH actual AS (
  SELECT budget_category, DATE_TRUNC(cost_date, MONTH) AS month_start,
    SUM(allocated_cost_usd) AS actual_usd, MAX(cost_date) AS data_through
  FROM fact_ai_costs
  GROUP BY budget_category, DATE_TRUNC(cost_date, MONTH)
),
months AS (
  SELECT COALESCE(a.budget_category, b.budget_category) AS budget_category,
    COALESCE(a.month_start, b.month_start) AS month_start,
    CAST(b.budget_usd AS FLOAT64) AS budget_usd,
    CAST(COALESCE(a.actual_usd, 0) AS FLOAT64) AS actual_usd,
    a.data_through
  FROM actual AS a
  FULL OUTER JOIN budgets AS b ON b.budget_category = a.budget_category AND b.month_start = a.month_start
),
calendar AS (
  SELECT m.budget_category, m.month_start,
    COUNTIF(FORMAT_DATE('%u', d) NOT IN ('6', '7')) AS working_days_in_month,
    COUNTIF(FORMAT_DATE('%u', d) NOT IN ('6', '7') AND d <= m.data_through) AS working_days_elapsed
  FROM months AS m
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(m.month_start, LAST_DAY(m.month_start))) AS d
  GROUP BY m.budget_category, m.month_start
),
forecast AS (
  SELECT m.*, c.working_days_in_month, c.working_days_elapsed,
    CASE
      WHEN m.data_through IS NULL THEN 0
      WHEN m.data_through >= LAST_DAY(m.month_start) THEN m.actual_usd
      ELSE SAFE_DIVIDE(m.actual_usd, c.working_days_elapsed) * c.working_days_in_month
    END AS forecast_month_end_usd
  FROM months AS m
  JOIN calendar AS c ON c.budget_category = m.budget_category AND c.month_start = m.month_start
)
SELECT
  FORMAT_DATE('%Y-%m', month_start) AS month,
  month_start,
  budget_category,
  budget_usd,
  actual_usd,
  data_through,
  working_days_elapsed,
  working_days_in_month,
  forecast_month_end_usd,
  forecast_month_end_usd - budget_usd AS variance_usd,
  SAFE_DIVIDE(forecast_month_end_usd - budget_usd, budget_usd) AS variance_pct,
  CASE WHEN budget_usd IS NULL THEN 'no_budget' WHEN forecast_month_end_usd > budget_usd THEN 'over' ELSE 'under' END
    AS status
FROM forecast

-- vw_knowledge_worker_productivity: Claude.ai, Gemini and Claude API used for research and analysis,
-- per person, platform and day, with the department's adoption that day.
-- Columns:
--   usage_date, month, user_sk, user_email, department, platform_sk, platform_name,
--   interactions (user-initiated interactions; null where the source reports none, e.g. Claude API),
--   sessions, total_tokens, cost_usd (allocated billed cost), cost_per_interaction,
--   active_days_in_month (days this person used any knowledge-work tool in the month),
--   department_active_people (people of the department active that day on any knowledge-work tool),
--   department_roster_people (active roster people of the department), adoption_rate (active / roster),
--   department_cost_usd (the department's knowledge-work cost that day).
WITH usage AS (
  SELECT usage_date, user_sk, platform_sk,
    SUM(interaction_count) AS interactions,
    SUM(session_count) AS sessions,
    SUM(total_tokens) AS total_tokens
  FROM fact_ai_usage
  WHERE use_case = 'knowledge_work'
  GROUP BY usage_date, user_sk, platform_sk
),
cost AS (
  SELECT cost_date AS usage_date, user_sk, platform_sk, SUM(allocated_cost_usd) AS cost_usd
  FROM fact_ai_costs
  WHERE use_case = 'knowledge_work'
  GROUP BY cost_date, user_sk, platform_sk
),
joined AS (
  SELECT
    COALESCE(usage.usage_date, cost.usage_date) AS usage_date,
    COALESCE(usage.user_sk, cost.user_sk) AS user_sk,
    COALESCE(usage.platform_sk, cost.platform_sk) AS platform_sk,
    usage.interactions, usage.sessions, usage.total_tokens,
    CAST(COALESCE(cost.cost_usd, 0) AS FLOAT64) AS cost_usd,
    usage.user_sk IS NOT NULL AS was_active
  FROM usage
  FULL OUTER JOIN cost
    ON usage.usage_date = cost.usage_date AND usage.user_sk = cost.user_sk AND usage.platform_sk = cost.platform_sk
),
people AS (
  SELECT j.*, COALESCE(u.department, 'unknown') AS department, u.user_email
  FROM joined AS j
  LEFT JOIN dim_users AS u ON u.user_sk = j.user_sk
),
active_days AS (
  SELECT user_sk, FORMAT_DATE('%Y-%m', usage_date) AS month, COUNT(DISTINCT usage_date) AS active_days_in_month
  FROM people
  WHERE was_active
  GROUP BY user_sk, FORMAT_DATE('%Y-%m', usage_date)
),
department_day AS (
  SELECT usage_date, department,
    COUNT(DISTINCT CASE WHEN was_active THEN user_sk END) AS department_active_people,
    SUM(cost_usd) AS department_cost_usd
  FROM people
  GROUP BY usage_date, department
),
roster AS (
  SELECT department, COUNT(*) AS department_roster_people
  FROM dim_users
  WHERE is_active AND NOT is_discovered AND user_sk != 'unattributed'
  GROUP BY department
)
SELECT
  p.usage_date,
  FORMAT_DATE('%Y-%m', p.usage_date) AS month,
  p.user_sk,
  p.user_email,
  p.department,
  p.platform_sk,
  pl.platform_name,
  p.interactions,
  p.sessions,
  p.total_tokens,
  p.cost_usd,
  SAFE_DIVIDE(p.cost_usd, p.interactions) AS cost_per_interaction,
  COALESCE(a.active_days_in_month, 0) AS active_days_in_month,
  d.department_active_people,
  r.department_roster_people,
  SAFE_DIVIDE(d.department_active_people, r.department_roster_people) AS adoption_rate,
  d.department_cost_usd
FROM people AS p
LEFT JOIN active_days AS a ON a.user_sk = p.user_sk AND a.month = FORMAT_DATE('%Y-%m', p.usage_date)
LEFT JOIN department_day AS d ON d.usage_date = p.usage_date AND d.department = p.department
LEFT JOIN roster AS r ON r.department = p.department
LEFT JOIN dim_platforms AS pl ON pl.platform_sk = p.platform_sk

-- vw_engineering_productivity: Cursor, Claude Code and Claude API used for coding, per person, platform and day.
-- Columns:
--   usage_date, week_start (Monday), user_sk, user_email, department, platform_sk, platform_name,
--   lines_suggested, lines_accepted, acceptance_rate (accepted / suggested, null when nothing suggested),
--   suggestions_shown, suggestions_accepted, suggestion_rate, sessions, commits, pull_requests, total_tokens,
--   cost_usd (allocated billed cost), cost_per_accepted_line (null without accepted lines),
--   uses_cursor_and_claude_code (the person used both tools in that week: the tool-comparison cohort),
--   productivity_score.
-- productivity_score = lines_accepted + 20 * commits + 100 * pull_requests, in "accepted-line equivalents":
--   a commit is weighted as 20 accepted lines and a pull request as 100. It ranks output, not value; change
--   the weights here if your teams calibrate them differently.
WITH usage AS (
  SELECT usage_date, user_sk, platform_sk,
    SUM(lines_added) AS lines_suggested,
    SUM(lines_accepted) AS lines_accepted,
    SUM(suggestions_shown) AS suggestions_shown,
    SUM(suggestions_accepted) AS suggestions_accepted,
    SUM(session_count) AS sessions,
    SUM(commits) AS commits,
    SUM(pull_requests) AS pull_requests,
    SUM(total_tokens) AS total_tokens
  FROM fact_ai_usage
  WHERE use_case = 'engineering_productivity'
  GROUP BY usage_date, user_sk, platform_sk
),
cost AS (
  SELECT cost_date AS usage_date, user_sk, platform_sk, SUM(allocated_cost_usd) AS cost_usd
  FROM fact_ai_costs
  WHERE use_case = 'engineering_productivity'
  GROUP BY cost_date, user_sk, platform_sk
),
joined AS (
  SELECT
    COALESCE(usage.usage_date, cost.usage_date) AS usage_date,
    COALESCE(usage.user_sk, cost.user_sk) AS user_sk,
    COALESCE(usage.platform_sk, cost.platform_sk) AS platform_sk,
    usage.lines_suggested, usage.lines_accepted, usage.suggestions_shown, usage.suggestions_accepted,
    usage.sessions, usage.commits, usage.pull_requests, usage.total_tokens,
    COALESCE(cost.cost_usd, 0) AS cost_usd
  FROM usage
  FULL OUTER JOIN cost
    ON usage.usage_date = cost.usage_date AND usage.user_sk = cost.user_sk AND usage.platform_sk = cost.platform_sk
)
SELECT
  j.usage_date,
  DATE_TRUNC(j.usage_date, WEEK(MONDAY)) AS week_start,
  j.user_sk,
  u.user_email,
  COALESCE(u.department, 'unknown') AS department,
  j.platform_sk,
  p.platform_name,
  j.lines_suggested,
  j.lines_accepted,
  SAFE_DIVIDE(j.lines_accepted, j.lines_suggested) AS acceptance_rate,
  j.suggestions_shown,
  j.suggestions_accepted,
  SAFE_DIVIDE(j.suggestions_accepted, j.suggestions_shown) AS suggestion_rate,
  j.sessions,
  j.commits,
  j.pull_requests,
  j.total_tokens,
  CAST(j.cost_usd AS FLOAT64) AS cost_usd,
  SAFE_DIVIDE(CAST(j.cost_usd AS FLOAT64), j.lines_accepted) AS cost_per_accepted_line,
  MAX(CASE WHEN j.platform_sk = 'cursor' AND j.lines_accepted > 0 THEN 1 ELSE 0 END)
    OVER (PARTITION BY j.user_sk, DATE_TRUNC(j.usage_date, WEEK(MONDAY)))
  * MAX(CASE WHEN j.platform_sk = 'claude_code' AND j.lines_accepted > 0 THEN 1 ELSE 0 END)
    OVER (PARTITION BY j.user_sk, DATE_TRUNC(j.usage_date, WEEK(MONDAY))) = 1 AS uses_cursor_and_claude_code,
  COALESCE(j.lines_accepted, 0) + 20 * COALESCE(j.commits, 0) + 100 * COALESCE(j.pull_requests, 0) AS productivity_score
FROM joined AS j
LEFT JOIN dim_users AS u ON u.user_sk = j.user_sk
LEFT JOIN dim_platforms AS p ON p.platform_sk = j.platform_sk

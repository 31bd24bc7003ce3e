-- vw_seat_utilization: every paid seat, how much it is used, and what idle seats cost.
-- Columns:
--   platform_sk, user_sk, user_email, department, data_through (latest day with seat data),
--   last_active_date (null if never active in the data), active_days_last_30, is_idle (no activity in the
--   last 30 days), seat_cost_last_30_usd (allocated seat cost over those 30 days: what an idle seat costs a month),
--   paid_tools (how many paid seats the person holds across platforms), overlapping_tools (holds more than one).
-- Seats come from Cursor's daily membership and Claude.ai's daily seat listing (/analytics/users: every seat
-- user, active or not); Gemini has no licence listing (its seats are charged per active day), so it has no idle seats.
WITH seat_days AS (
  SELECT 'cursor' AS platform_sk, email, usage_date, is_active FROM raw_cursor_events
  UNION ALL
  SELECT 'claude_web', LOWER(user_email), usage_date,
    (chat_message_count + cowork_message_count + design_message_count + office_message_count + science_message_count
      + web_search_count) > 0
  FROM raw_claude_web_events
  WHERE user_email IS NOT NULL
),
latest AS (
  SELECT platform_sk, MAX(usage_date) AS data_through FROM seat_days GROUP BY platform_sk
),
seats AS (
  SELECT c.platform_sk, c.email,
    MAX(l.data_through) AS data_through,
    MAX(CASE WHEN c.is_active THEN c.usage_date END) AS last_active_date,
    COUNT(DISTINCT CASE WHEN c.is_active AND c.usage_date > DATE_SUB(l.data_through, INTERVAL 30 DAY) THEN c.usage_date END)
      AS active_days_last_30,
    MAX(c.usage_date) AS last_member_date
  FROM seat_days AS c
  JOIN latest AS l ON l.platform_sk = c.platform_sk
  GROUP BY c.platform_sk, c.email
),
current_seats AS (
  SELECT * FROM seats WHERE last_member_date = data_through
),
seat_cost AS (
  SELECT f.user_sk, f.platform_sk, SUM(f.allocated_cost_usd) AS seat_cost
  FROM fact_ai_costs AS f
  JOIN latest AS l ON l.platform_sk = f.platform_sk
  WHERE f.cost_type = 'subscription' AND f.cost_date > DATE_SUB(l.data_through, INTERVAL 30 DAY)
  GROUP BY f.user_sk, f.platform_sk
)
SELECT
  s.platform_sk,
  u.user_sk,
  s.email AS user_email,
  COALESCE(u.department, 'unknown') AS department,
  s.data_through,
  s.last_active_date,
  s.active_days_last_30,
  s.active_days_last_30 = 0 AS is_idle,
  CAST(COALESCE(c.seat_cost, 0) AS FLOAT64) AS seat_cost_last_30_usd,
  COUNT(*) OVER (PARTITION BY s.email) AS paid_tools,
  COUNT(*) OVER (PARTITION BY s.email) > 1 AS overlapping_tools
FROM current_seats AS s
LEFT JOIN dim_users AS u ON u.user_email = s.email
LEFT JOIN seat_cost AS c ON c.user_sk = u.user_sk AND c.platform_sk = s.platform_sk

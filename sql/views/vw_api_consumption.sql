-- vw_api_consumption: API-billed Claude usage (Claude API and Claude Code on API keys) per key, person,
-- purpose, model and day.
-- Columns:
--   usage_date, api_key_id, user_sk, user_email, department, usage_purpose, use_case, platform_sk, model_name,
--   attribution_method, web_search_requests, input_tokens (incl. cache), uncached_input_tokens, cache_read_tokens,
--   cache_creation_tokens, output_tokens, total_tokens,
--   cache_hit_ratio (cache reads / all input tokens), cost_usd (allocated billed cost through this key and model),
--   cost_per_1k_tokens, tokens_7d_avg (the key's average daily total tokens over its last 7 days with usage: the
--   utilisation trend), tokens_vs_7d_avg (the key's tokens that day / that average; above 1 = rising).
-- The messages usage report carries no request counts, so requests appear only as web_search_requests.
WITH usage AS (
  SELECT usage_date, api_key_id, user_sk, platform_sk, model_name,
    ANY_VALUE(usage_purpose) AS usage_purpose,
    ANY_VALUE(use_case) AS use_case,
    ANY_VALUE(attribution_method) AS attribution_method,
    SUM(web_search_requests) AS web_search_requests,
    SUM(input_tokens) AS input_tokens,
    SUM(input_tokens) - SUM(cached_input_tokens) AS uncached_input_tokens,
    SUM(cache_read_tokens) AS cache_read_tokens,
    SUM(cache_creation_tokens) AS cache_creation_tokens,
    SUM(output_tokens) AS output_tokens,
    SUM(total_tokens) AS total_tokens
  FROM fact_ai_usage
  WHERE metric_source = 'claude_messages_usage'
  GROUP BY usage_date, api_key_id, user_sk, platform_sk, model_name
),
key_daily AS (
  SELECT usage_date, api_key_id, SUM(total_tokens) AS key_tokens
  FROM usage
  GROUP BY usage_date, api_key_id
),
key_trend AS (
  SELECT usage_date, api_key_id, key_tokens,
    AVG(key_tokens) OVER (PARTITION BY api_key_id ORDER BY usage_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS tokens_7d_avg
  FROM key_daily
),
cost AS (
  SELECT cost_date AS usage_date, api_key_id, model_name, SUM(allocated_cost_usd) AS cost_usd
  FROM fact_ai_costs
  WHERE cost_source = 'anthropic_cost_report'
  GROUP BY cost_date, api_key_id, model_name
)
SELECT
  s.usage_date,
  s.api_key_id,
  s.user_sk,
  u.user_email,
  COALESCE(u.department, 'unknown') AS department,
  s.usage_purpose,
  s.use_case,
  s.platform_sk,
  s.model_name,
  s.attribution_method,
  s.web_search_requests,
  s.input_tokens,
  s.uncached_input_tokens,
  s.cache_read_tokens,
  s.cache_creation_tokens,
  s.output_tokens,
  s.total_tokens,
  SAFE_DIVIDE(s.cache_read_tokens, s.input_tokens) AS cache_hit_ratio,
  CAST(COALESCE(c.cost_usd, 0) AS FLOAT64) AS cost_usd,
  SAFE_DIVIDE(CAST(COALESCE(c.cost_usd, 0) AS FLOAT64) * 1000, s.total_tokens) AS cost_per_1k_tokens,
  t.tokens_7d_avg,
  SAFE_DIVIDE(t.key_tokens, t.tokens_7d_avg) AS tokens_vs_7d_avg
FROM usage AS s
LEFT JOIN key_trend AS t ON t.usage_date = s.usage_date AND t.api_key_id IS NOT DISTINCT FROM s.api_key_id
LEFT JOIN cost AS c
  ON c.usage_date = s.usage_date AND c.api_key_id = s.api_key_id AND c.model_name = s.model_name
LEFT JOIN dim_users AS u ON u.user_sk = s.user_sk

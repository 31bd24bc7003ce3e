-- Allocated dollars per cost source (':unattributed' marks the unattributed share) in [@first, @last].
SELECT CONCAT(cost_source, IF(user_sk = 'unattributed', ':unattributed', '')) AS source,
  SUM(allocated_cost_usd) AS usd
FROM fact_ai_costs
WHERE cost_date BETWEEN @first AND @last
GROUP BY 1

-- Allocated spend per person, department and day in [@since, @until): the trailing baseline of the
-- spend-spike check and the month-to-date spend before a run's window.
SELECT user_sk, budget_category, cost_date, SUM(allocated_cost_usd) AS allocated_cost_usd
FROM fact_ai_costs
WHERE cost_date >= @since AND cost_date < @until
GROUP BY user_sk, budget_category, cost_date

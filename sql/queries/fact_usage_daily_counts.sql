-- Rows per metric source and day in [@since, @until): the baseline of the volume-drop check.
SELECT metric_source, usage_date, COUNT(*) AS rows
FROM fact_ai_usage
WHERE usage_date >= @since AND usage_date < @until
GROUP BY metric_source, usage_date

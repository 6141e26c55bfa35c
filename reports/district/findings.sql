-- Findings of the last `yusuan check` in the region's documents.
SELECT year, unit_name, rule_id, severity, message
FROM check_results
WHERE (region = $region OR (region IS NULL AND $region = '?'))
ORDER BY year, unit_name, CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule_id

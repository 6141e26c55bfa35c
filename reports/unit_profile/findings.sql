-- Findings of the last `yusuan check` in the unit's documents.
SELECT year, rule_id, severity, message
FROM check_results
WHERE unit_name = $unit
ORDER BY year, CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule_id

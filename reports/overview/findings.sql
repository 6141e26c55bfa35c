-- Findings of the last `yusuan check`, per region, year, rule and severity.
SELECT coalesce(region, '?') AS region, year, rule_id, severity,
       count(*) AS findings,
       count(DISTINCT doc_id) AS documents
FROM check_results
GROUP BY coalesce(region, '?'), year, rule_id, severity
ORDER BY region, year, CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, rule_id

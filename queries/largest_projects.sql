-- The largest projects: 项目支出表 rows by amount, with their unit and type (the 绩效目标
-- table lists the same projects again, so only the 项目支出表 is read).
-- Parameters: the LIMIT — how many projects (default 10).
SELECT year, unit_name, project_name, project_type, wan(total) AS total_wan
FROM projects
WHERE table_kind = 'project_expenditure' AND total IS NOT NULL
ORDER BY total DESC, project_name
LIMIT 10;

-- spending_mix: per budget document, how spending splits: 基本支出 vs 项目支出 and, within
-- basic spending, 人员经费 vs 公用经费 (shares in percent of the pair, 2 decimals).
CREATE VIEW spending_mix AS
SELECT
    doc_id, year, region, unit_name,
    basic_total, project_total,
    round(100.0 * CAST(basic_total AS DOUBLE) / CAST(basic_total + project_total AS DOUBLE), 2) AS basic_share_pct,
    personnel_total, public_total,
    round(100.0 * CAST(personnel_total AS DOUBLE) / CAST(personnel_total + public_total AS DOUBLE), 2) AS personnel_share_pct
FROM budget_totals
WHERE kind = 'budget'

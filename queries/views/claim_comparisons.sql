-- Narrative claims compared: one row per group of claims about one subject (ingest::claims)
-- and each basis it is compared with (prior_budget, prior_execution, prior_final,
-- prior_adjusted, prior): this year's amount, the prior amount, the change and the
-- change % the narrative states — each where the group states exactly one value (the
-- same figure stated twice counts once). Money in 元, tolerances half a unit of the
-- printed precision (docs/checks.md, "Claim grammar").
CREATE VIEW claim_comparisons AS
WITH g AS (
    SELECT doc_id, year, group_no, min(subject) AS subject, min(fund) AS fund,
           min(subject_code) AS subject_code, min(subject_name) AS subject_name
    FROM narrative_claims
    GROUP BY doc_id, year, group_no
),
v AS (
    SELECT doc_id, year, group_no, period, measure,
           min(coalesce(amount, value)) AS lo, max(coalesce(amount, value)) AS hi,
           max(tolerance) AS tol,
           min(coalesce(direction, '')) AS dir_lo, max(coalesce(direction, '')) AS dir_hi,
           min(printed) AS printed, min(page) AS page, min(source_line) AS line,
           min(sentence) AS sentence
    FROM narrative_claims
    WHERE measure IN ('amount', 'change', 'change_pct')
    GROUP BY doc_id, year, group_no, period, measure
),
one AS (SELECT * FROM v WHERE lo = hi AND dir_lo = dir_hi),
-- 收支总计各增加X万元: the totals it speaks of are the income total stated apart.
doc_total AS (
    SELECT doc_id, year, min(amount) AS lo, max(amount) AS hi, max(tolerance) AS tol,
           min(printed) AS printed
    FROM narrative_claims
    WHERE subject = 'income_total' AND measure = 'amount' AND period = 'budget'
    GROUP BY doc_id, year
),
bases AS (
    SELECT DISTINCT doc_id, year, group_no, period AS basis
    FROM v WHERE period LIKE 'prior%'
)
SELECT b.doc_id, b.year, b.group_no, g.subject, g.fund, g.subject_code, g.subject_name,
       b.basis,
       coalesce(n.lo, t.lo) AS now_amount, coalesce(n.tol, t.tol) AS now_tolerance,
       coalesce(n.printed, t.printed) AS now_printed,
       p.lo AS prior_amount, p.tol AS prior_tolerance, p.printed AS prior_printed,
       c.lo AS change_amount, c.tol AS change_tolerance,
       nullif(c.dir_lo, '') AS change_direction, c.printed AS change_printed,
       r.lo AS change_pct, r.tol AS pct_tolerance,
       nullif(r.dir_lo, '') AS pct_direction, r.printed AS pct_printed,
       coalesce(c.page, r.page, p.page, n.page) AS page,
       coalesce(c.line, r.line, p.line, n.line) AS line,
       coalesce(c.sentence, r.sentence, p.sentence, n.sentence) AS sentence
FROM bases b
JOIN g ON g.doc_id = b.doc_id AND g.year = b.year AND g.group_no = b.group_no
LEFT JOIN doc_total t ON t.doc_id = b.doc_id AND t.year = b.year AND t.lo = t.hi
     AND g.subject = 'total' AND g.fund IS NULL
LEFT JOIN one n ON n.doc_id = b.doc_id AND n.year = b.year AND n.group_no = b.group_no
     AND n.period = 'budget' AND n.measure = 'amount'
LEFT JOIN one p ON p.doc_id = b.doc_id AND p.year = b.year AND p.group_no = b.group_no
     AND p.period = b.basis AND p.measure = 'amount'
LEFT JOIN one c ON c.doc_id = b.doc_id AND c.year = b.year AND c.group_no = b.group_no
     AND c.period = b.basis AND c.measure = 'change'
LEFT JOIN one r ON r.doc_id = b.doc_id AND r.year = b.year AND r.group_no = b.group_no
     AND r.period = b.basis AND r.measure = 'change_pct'

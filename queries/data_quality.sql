-- Data quality: per document, the warnings ingest recorded, by code (repairs, doubts,
-- unknown lines), most first.
-- Parameters: none.
SELECT d.unit_name, d.year, w.code, count(*) AS warnings
FROM ingest_warnings w
JOIN documents d ON d.doc_id = w.doc_id AND d.year = w.year
GROUP BY d.unit_name, d.year, w.code
ORDER BY warnings DESC, d.unit_name, d.year, w.code;

-- Basic vs project and personnel vs public: each unit's spending mix by year.
-- Parameters: none; add `where unit_name = '…'` to follow one unit.
SELECT year, unit_name, basic_share_pct, personnel_share_pct
FROM spending_mix
ORDER BY unit_name, year;

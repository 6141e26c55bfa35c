-- Spending by 经济分类 类: 一般公共预算基本支出 per 部门经济分类 类 (301 工资福利支出, 302 商品和
-- 服务支出, 303 对个人和家庭的补助 …) per unit and year, with the reference name.
-- Parameters: none.
SELECT year, unit_name, econ_code, standard_name, wan(total) AS total_wan
FROM spending_by_econ
WHERE level = 1
ORDER BY unit_name, year, econ_code;

//! How deep a statement nests, bounded before it is planned: expressions (a chain of
//! `a + b + …` or `x OR y OR …` is a left-deep tree as deep as it is long), subqueries and
//! set operations (`… UNION ALL …`). Planning recurses over that tree, in time that grows
//! with its depth squared, so a too-deep statement is refused with the bound named rather
//! than planned for minutes or overflowing the stack.
//!
//! Owns the measurement only; the binary also runs statements on a thread with a large
//! stack, so that the measurement itself (recursive, cut off at the bound) is safe.

use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::{Expr, Query, SetExpr, Visit, Visitor};

use crate::error::{Error, Result};

/// The deepest nesting a statement may have (expressions, subqueries and set operations
/// counted together): far above what people write, and planned in seconds.
pub const MAX_STATEMENT_DEPTH: usize = 1000;

/// Refuses a statement nested deeper than `limit`.
pub fn check_depth(statement: &DFStatement, limit: usize) -> Result<()> {
    let depth = match statement {
        DFStatement::Statement(s) => measure(s.as_ref(), limit),
        DFStatement::Explain(e) => return check_depth(&e.statement, limit),
        _ => 0,
    };
    if depth > limit {
        return Err(Error::Query(datafusion::error::DataFusionError::Plan(
            format!(
                "the statement nests more than {limit} levels deep (a chain of operators such as \
             a + b + … or x OR y OR …, subqueries or UNION branches); split it, or use IN (…) \
             or a VALUES list instead of a long chain"
            ),
        )));
    }
    Ok(())
}

/// The deepest nesting in `node`, stopping once it passes `limit`.
fn measure<V: Visit>(node: &V, limit: usize) -> usize {
    let mut d = Depth {
        current: 0,
        deepest: 0,
        limit,
    };
    let _ = node.visit(&mut d);
    d.deepest
}

struct Depth {
    current: usize,
    deepest: usize,
    limit: usize,
}

impl Depth {
    fn enter(&mut self, by: usize) -> ControlFlow<()> {
        self.current += by;
        self.deepest = self.deepest.max(self.current);
        if self.deepest > self.limit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

impl Visitor for Depth {
    type Break = ();

    fn pre_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
        self.enter(1)
    }

    fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
        self.current -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        // (Set operations have no visitor hook: their chain is measured here, without
        // recursion, and counted as nesting for the query's whole visit.)
        let chain = set_operation_depth(&query.body);
        self.enter(1 + chain)?;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        self.current -= 1 + set_operation_depth(&query.body);
        ControlFlow::Continue(())
    }
}

/// How many set operations are chained in `body` (left- or right-deep), iteratively.
fn set_operation_depth(body: &SetExpr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(body, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if let SetExpr::SetOperation { left, right, .. } = node {
            stack.push((left, depth + 1));
            stack.push((right, depth + 1));
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::parser::DFParser;

    fn depth_ok(sql: &str, limit: usize) -> Result<()> {
        let statements = DFParser::parse_sql(sql).unwrap();
        check_depth(&statements[0], limit)
    }

    #[test]
    fn chains_subqueries_and_unions_count_as_nesting() {
        let plus = format!("select {}", vec!["1"; 50].join(" + "));
        assert!(depth_ok(&plus, 60).is_ok());
        let err = depth_ok(&plus, 40).unwrap_err().to_string();
        assert!(err.contains("more than 40 levels"), "{err}");
        let union = vec!["select 1"; 50].join(" union all ");
        assert!(depth_ok(&union, 60).is_ok());
        assert!(depth_ok(&union, 40).is_err());
        let ors = format!("explain select 1 where {}", vec!["1 = 1"; 50].join(" or "));
        assert!(depth_ok(&ors, 40).is_err());
        // (A long IN list is wide, not deep.)
        let list: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
        let wide = format!("select 1 where 3 in ({})", list.join(", "));
        assert!(depth_ok(&wide, 40).is_ok());
    }
}

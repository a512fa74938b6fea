//! Query filters and their validation.

use super::{CsrIndex, GraphError, Result};

/// Largest valid relationship type.
pub const MAX_REL_TYPE: u8 = 5;
/// Mask accepting every relationship type (`0..=5`).
pub const ALL_REL_TYPES: u8 = 0b0011_1111;
/// `max_hops` used by the intro-path queries when `Filters::max_hops` is `None`.
pub const DEFAULT_INTRO_MAX_HOPS: u32 = 4;

/// Restrictions applied by every query.
///
/// An edge is usable iff `strength >= min_strength` and bit `rel_type` of
/// `rel_types` is set; a node is usable iff it is active and not in `avoid`.
///
/// ```
/// use wig_search::Filters;
/// let f = Filters { min_strength: 0.2, avoid: vec![7], max_hops: Some(3), ..Filters::default() };
/// assert!(f.validate().is_ok());
/// let bad = Filters { max_hops: Some(0), ..Filters::default() };
/// assert_eq!(bad.validate().unwrap_err().to_string(),
///            "invalid filter `max_hops`: must be at least 1");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Filters {
    /// Minimum edge strength, in `[0, 1]`.
    pub min_strength: f32,
    /// Bitmask of accepted relationship types (bit `t` for type `t`); bits 6
    /// and 7 are ignored, but at least one of bits 0..=5 must be set.
    pub rel_types: u8,
    /// Nodes that must not appear on any path (set semantics; duplicates
    /// are fine). Must not contain the query's source or (single) target.
    pub avoid: Vec<u32>,
    /// Maximum number of hops; `None` = unbounded (intro queries use
    /// [`DEFAULT_INTRO_MAX_HOPS`]).
    pub max_hops: Option<u32>,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            min_strength: 0.0,
            rel_types: ALL_REL_TYPES,
            avoid: Vec::new(),
            max_hops: None,
        }
    }
}

impl Filters {
    /// Checks the filter on its own: `min_strength` NaN or outside `[0, 1]`,
    /// `max_hops == Some(0)` and a `rel_types` mask with none of bits 0..=5
    /// set are [`GraphError::InvalidFilter`]. Endpoint-dependent checks
    /// (unknown or endpoint nodes in `avoid`) are done by each query.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.min_strength) {
            return Err(GraphError::InvalidFilter {
                field: "min_strength",
                reason: "must be a number in [0, 1]",
            });
        }
        if self.rel_types & ALL_REL_TYPES == 0 {
            return Err(GraphError::InvalidFilter {
                field: "rel_types",
                reason: "mask accepts no relationship type (set a bit in 0..=5)",
            });
        }
        if self.max_hops == Some(0) {
            return Err(GraphError::InvalidFilter {
                field: "max_hops",
                reason: "must be at least 1",
            });
        }
        Ok(())
    }

    /// Full validation for a query: endpoints exist, the filter is valid,
    /// every avoided node exists, and no endpoint in `protected` is avoided.
    pub(crate) fn check_query(
        &self,
        idx: &CsrIndex,
        endpoints: &[(&'static str, u32)],
        protected: &[(&'static str, u32)],
    ) -> Result<()> {
        for &(field, node) in endpoints {
            idx.check_node(field, node)?;
        }
        self.validate()?;
        for &v in &self.avoid {
            idx.check_node("avoid", v)?;
        }
        for &(field, node) in protected {
            if self.avoid.contains(&node) {
                return Err(GraphError::InvalidFilter {
                    field: "avoid",
                    reason: if field == "a" {
                        "contains the source node"
                    } else {
                        "contains the target node"
                    },
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_rejects_impossible_filters() {
        let field = |f: Filters| match f.validate() {
            Err(GraphError::InvalidFilter { field, .. }) => field,
            other => panic!("expected InvalidFilter, got {other:?}"),
        };
        let d = Filters::default;
        assert!(d().validate().is_ok());
        assert_eq!(
            field(Filters {
                min_strength: f32::NAN,
                ..d()
            }),
            "min_strength"
        );
        assert_eq!(
            field(Filters {
                min_strength: -0.1,
                ..d()
            }),
            "min_strength"
        );
        assert_eq!(
            field(Filters {
                min_strength: 1.5,
                ..d()
            }),
            "min_strength"
        );
        assert_eq!(
            field(Filters {
                rel_types: 0,
                ..d()
            }),
            "rel_types"
        );
        assert_eq!(
            field(Filters {
                rel_types: 0b1100_0000,
                ..d()
            }),
            "rel_types"
        );
        assert_eq!(
            field(Filters {
                max_hops: Some(0),
                ..d()
            }),
            "max_hops"
        );
        assert!(Filters {
            min_strength: 1.0,
            rel_types: 0xFF,
            max_hops: Some(1),
            ..d()
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn check_query_avoid_rules() {
        let idx = CsrIndex::new(3);
        let f = Filters {
            avoid: vec![1],
            ..Filters::default()
        };
        assert!(f
            .check_query(&idx, &[("a", 0), ("b", 2)], &[("a", 0), ("b", 2)])
            .is_ok());
        assert_eq!(
            f.check_query(&idx, &[("a", 1)], &[("a", 1)])
                .unwrap_err()
                .to_string(),
            "invalid filter `avoid`: contains the source node"
        );
        assert!(matches!(
            f.check_query(&idx, &[("a", 0), ("b", 1)], &[("a", 0), ("b", 1)]),
            Err(GraphError::InvalidFilter {
                field: "avoid",
                reason: "contains the target node"
            })
        ));
        let f = Filters {
            avoid: vec![9],
            ..Filters::default()
        };
        assert_eq!(
            f.check_query(&idx, &[("a", 0)], &[]).unwrap_err(),
            GraphError::UnknownNode {
                field: "avoid",
                node: 9
            }
        );
        assert_eq!(
            f.check_query(&idx, &[("b", 5)], &[])
                .unwrap_err()
                .to_string(),
            "unknown node 5 in `b`"
        );
    }
}

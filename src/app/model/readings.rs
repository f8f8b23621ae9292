//! How far an answer can be trusted, and the other readings of a question the model's
//! candidates disagreed on ("Did you mean …?").
use serde::{Deserialize, Serialize};

use super::QueryResult;

/// How an answer came about, as a badge the user can rely on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Independent candidate queries returned the same rows (or the only candidate worked at
    /// once, when one candidate is asked).
    #[default]
    High,
    /// The candidates split, needed corrections, or found no rows: check the reading.
    Low,
    /// The SQL of a verified answer, run without a model call.
    Verified,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Low => "low",
            Confidence::Verified => "verified",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        match s {
            "high" => Some(Confidence::High),
            "low" => Some(Confidence::Low),
            "verified" => Some(Confidence::Verified),
            _ => None,
        }
    }
}

/// Another way the question could be read: what a group of agreeing candidates returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reading {
    pub sql: String,
    pub explanation: String,
    /// Its first rows only (`row_count` says how many it had).
    pub preview: QueryResult,
    /// How many candidates returned these rows.
    pub votes: u32,
}

/// `POST /api/v1/conversations/{id}/turns/{turn_id}/choose` body: the reading the user meant,
/// 0 being the answer given and 1.. its alternatives in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChooseReading {
    pub reading: u32,
}

//! Verified answers: question → SQL pairs people marked correct.
use serde::{Deserialize, Serialize};

/// A question → SQL pair someone marked correct.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VerifiedAnswer {
    pub id: String,
    pub datasource_id: String,
    pub question: String,
    pub sql: String,
    /// Visible to everyone who may use the datasource (else only to its author).
    pub shared: bool,
    /// An admin vouched for it (an admin wrote it, or approved it). Only then does a shared
    /// pair go into other people's prompts as an example.
    #[serde(default)]
    pub approved: bool,
    /// The viewer is an admin and this shared pair awaits approval.
    #[serde(default)]
    pub can_approve: bool,
    pub author: String,
    /// The signed-in user wrote it (and may edit or delete it).
    pub mine: bool,
    pub updated_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VerifiedInput {
    pub question: String,
    pub sql: String,
    #[serde(default)]
    pub shared: bool,
}

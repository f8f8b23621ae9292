//! Server functions for a person's history.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::Outcome;
#[cfg(feature = "ssr")]
use super::Failure;
use crate::app::model::HistoryEntry;

#[server(input = Json, endpoint = "history/list")]
pub async fn list_history(search: String, offset: i64) -> Result<Outcome<Vec<HistoryEntry>>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(crate::server::ops::queries::history(&state, &me, &search, offset).await.map_err(Failure::from))
}

//! Server functions for verified answers.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::Outcome;
#[cfg(feature = "ssr")]
use super::Failure;
use crate::app::model::{VerifiedAnswer, VerifiedInput};

#[server(input = Json, endpoint = "verified/list")]
pub async fn list_verified(datasource_id: String) -> Result<Outcome<Vec<VerifiedAnswer>>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(crate::server::ops::verified::list(&state, &me, &datasource_id).await.map_err(Failure::from))
}

/// Creates (`id: None`) or updates one of your verified answers.
#[server(input = Json, endpoint = "verified/save")]
pub async fn save_verified(datasource_id: String, id: Option<String>, input: VerifiedInput) -> Result<Outcome<VerifiedAnswer>, ServerFnError> {
    let (state, me) = signed_in!();
    let saved = match id {
        Some(id) => crate::server::ops::verified::update(&state, &me, &id, &input).await,
        None => crate::server::ops::verified::create(&state, &me, &datasource_id, &input).await,
    };
    Ok(saved.map_err(Failure::from))
}

/// An admin approves a shared verified answer for other people's prompts.
#[server(input = Json, endpoint = "verified/approve")]
pub async fn approve_verified(id: String) -> Result<Outcome<VerifiedAnswer>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(crate::server::ops::verified::approve(&state, &me, &id).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "verified/delete")]
pub async fn delete_verified(id: String) -> Result<Outcome<()>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(crate::server::ops::verified::delete(&state, &me, &id).await.map_err(Failure::from))
}

/// Adds the pairs of a CSV text; returns how many.
#[server(input = Json, endpoint = "verified/import")]
pub async fn import_verified(datasource_id: String, csv: String) -> Result<Outcome<usize>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(crate::server::ops::verified::import_csv(&state, &me, &datasource_id, &csv).await.map_err(Failure::from))
}

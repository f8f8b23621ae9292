//! Server functions: the browser's API. Each body is a thin call into the server services,
//! which the public HTTP API (`/api/v1`) uses too.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::model::{ConnectionTest, DatasourceInput, DatasourceSummary, QueryResult, SchemaInfo, SqlRequest};

#[cfg(feature = "ssr")]
use crate::server::state::app_state;

/// The message to show for a failed server function.
pub fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        ServerFnError::Request(_) => "the server could not be reached; check your connection and try again".into(),
        other => other.to_string(),
    }
}

#[server(input = Json, endpoint = "datasources/list")]
pub async fn list_datasources() -> Result<Vec<DatasourceSummary>, ServerFnError> {
    Ok(app_state()?.datasources.list().await?)
}

#[server(input = Json, endpoint = "datasources/get")]
pub async fn get_datasource(id: String) -> Result<DatasourceSummary, ServerFnError> {
    Ok(app_state()?.datasources.get(&id).await?)
}

/// Creates (`id: None`) or updates a datasource.
#[server(input = Json, endpoint = "datasources/save")]
pub async fn save_datasource(id: Option<String>, input: DatasourceInput) -> Result<DatasourceSummary, ServerFnError> {
    let service = app_state()?.datasources;
    Ok(match id {
        Some(id) => service.update(&id, &input).await?,
        None => service.create(&input).await?,
    })
}

#[server(input = Json, endpoint = "datasources/delete")]
pub async fn delete_datasource(id: String) -> Result<(), ServerFnError> {
    Ok(app_state()?.datasources.delete(&id).await?)
}

#[server(input = Json, endpoint = "datasources/test")]
pub async fn test_datasource(id: String) -> Result<ConnectionTest, ServerFnError> {
    Ok(app_state()?.datasources.test(&id).await?)
}

#[server(input = Json, endpoint = "datasources/schema")]
pub async fn get_schema(id: String, refresh: bool) -> Result<SchemaInfo, ServerFnError> {
    Ok(app_state()?.datasources.schema(&id, refresh).await?.as_ref().clone())
}

#[server(input = Json, endpoint = "datasources/sql")]
pub async fn run_sql(id: String, request: SqlRequest) -> Result<QueryResult, ServerFnError> {
    Ok(app_state()?.datasources.run_sql(&id, &request).await?)
}

#[server(input = Json, endpoint = "queries/cancel")]
pub async fn cancel_query(query_id: String) -> Result<bool, ServerFnError> {
    Ok(app_state()?.datasources.cancel(&query_id).await)
}

//! Introspected schemas by datasource id: reading a catalog takes a while on large databases,
//! and every question needs the schema.
use std::{collections::HashMap, sync::Arc};

use tokio::sync::RwLock;

use crate::app::model::SchemaInfo;

#[derive(Default)]
pub struct SchemaCache {
    schemas: RwLock<HashMap<String, Arc<SchemaInfo>>>,
}

impl SchemaCache {
    pub async fn get(&self, id: &str) -> Option<Arc<SchemaInfo>> {
        self.schemas.read().await.get(id).cloned()
    }

    /// Keeps `info` as the datasource's schema (replacing an older one) and returns it.
    pub async fn insert(&self, id: &str, info: SchemaInfo) -> Arc<SchemaInfo> {
        let info = Arc::new(info);
        self.schemas.write().await.insert(id.to_string(), info.clone());
        info
    }

    /// Drops the datasource's schema, e.g. after its settings changed.
    pub async fn forget(&self, id: &str) {
        self.schemas.write().await.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_schema_is_kept_per_datasource_until_replaced_or_forgotten() {
        let cache = SchemaCache::default();
        let schema = |n: i64| SchemaInfo { engine: crate::app::model::Engine::Sqlite, tables: vec![], introspected_at_ms: n };
        assert!(cache.get("a").await.is_none());
        cache.insert("a", schema(1)).await;
        cache.insert("b", schema(2)).await;
        assert_eq!(cache.get("a").await.map(|s| s.introspected_at_ms), Some(1));
        cache.insert("a", schema(3)).await;
        assert_eq!(cache.get("a").await.map(|s| s.introspected_at_ms), Some(3), "a refresh replaces it");
        cache.forget("a").await;
        assert!(cache.get("a").await.is_none());
        assert_eq!(cache.get("b").await.map(|s| s.introspected_at_ms), Some(2), "others stay");
    }
}

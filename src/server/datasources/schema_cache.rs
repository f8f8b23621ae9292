//! Introspected schemas by datasource id: reading a catalog takes a while on large databases,
//! and every question needs the schema.
use std::{collections::HashMap, sync::Arc};

use tokio::sync::RwLock;

use crate::{app::model::SchemaInfo, server::schema::values::ValueIndex};

/// A value index and the schema snapshot it was read with.
type ValuesOf = (Arc<SchemaInfo>, Arc<ValueIndex>);

/// Each datasource's schema, and the index of its text values built from that schema (kept
/// and dropped together, so the values never outlive the schema they were read with).
#[derive(Default)]
pub struct SchemaCache {
    schemas: RwLock<HashMap<String, Arc<SchemaInfo>>>,
    values: RwLock<HashMap<String, ValuesOf>>,
}

impl SchemaCache {
    pub async fn get(&self, id: &str) -> Option<Arc<SchemaInfo>> {
        self.schemas.read().await.get(id).cloned()
    }

    /// Keeps `info` as the datasource's schema (replacing an older one) and returns it.
    pub async fn insert(&self, id: &str, info: SchemaInfo) -> Arc<SchemaInfo> {
        let info = Arc::new(info);
        self.schemas.write().await.insert(id.to_string(), info.clone());
        self.values.write().await.remove(id);
        info
    }

    /// The value index built from this very schema snapshot, if any.
    pub async fn values(&self, id: &str, schema: &Arc<SchemaInfo>) -> Option<Arc<ValueIndex>> {
        let values = self.values.read().await;
        values.get(id).filter(|(from, _)| Arc::ptr_eq(from, schema)).map(|(_, index)| index.clone())
    }

    /// Keeps the value index read with `schema`, unless that schema was replaced meanwhile.
    pub async fn insert_values(&self, id: &str, schema: &Arc<SchemaInfo>, index: ValueIndex) -> Arc<ValueIndex> {
        let index = Arc::new(index);
        let current = self.schemas.read().await.get(id).is_some_and(|s| Arc::ptr_eq(s, schema));
        if current {
            self.values.write().await.insert(id.to_string(), (schema.clone(), index.clone()));
        }
        index
    }

    /// Drops the datasource's schema, e.g. after its settings changed.
    pub async fn forget(&self, id: &str) {
        self.schemas.write().await.remove(id);
        self.values.write().await.remove(id);
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

    #[tokio::test]
    async fn values_belong_to_the_schema_they_were_read_with() {
        let cache = SchemaCache::default();
        let schema = |n: i64| SchemaInfo { engine: crate::app::model::Engine::Sqlite, tables: vec![], introspected_at_ms: n };
        let first = cache.insert("a", schema(1)).await;
        cache.insert_values("a", &first, ValueIndex::default()).await;
        assert!(cache.values("a", &first).await.is_some());
        let second = cache.insert("a", schema(2)).await;
        assert!(cache.values("a", &first).await.is_none() && cache.values("a", &second).await.is_none(), "a refresh drops them");
        cache.insert_values("a", &first, ValueIndex::default()).await;
        assert!(cache.values("a", &first).await.is_none(), "values read with a replaced schema are not kept");
        cache.insert_values("a", &second, ValueIndex::default()).await;
        cache.forget("a").await;
        assert!(cache.values("a", &second).await.is_none());
    }
}

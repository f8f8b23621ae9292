//! Functions and relations the guard refuses in every dialect. One list for all engines:
//! a name that is harmless in one engine and dangerous in another is refused everywhere,
//! which fails closed if a datasource is ever parsed with the wrong dialect.

/// Exact names (lower case).
const DENIED_FUNCTIONS: &[&str] = &[
    // PostgreSQL: files, programs, large objects.
    "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_file_write",
    "pg_file_rename", "pg_file_unlink", "pg_logdir_ls", "pg_current_logfile",
    // Settings, signalling, sleeping, locks, notifications, sequences.
    "set_config", "current_setting", "pg_sleep", "pg_sleep_for", "pg_sleep_until",
    "pg_cancel_backend", "pg_terminate_backend", "pg_reload_conf", "pg_rotate_logfile",
    "pg_notify", "nextval", "setval", "currval", "lastval", "txid_current",
    "pg_current_xact_id", "pg_export_snapshot", "pg_log_backend_memory_contexts",
    "pg_promote", "pg_switch_wal", "pg_checkpoint", "pg_backup_start", "pg_backup_stop",
    "pg_start_backup", "pg_stop_backup", "pg_import_system_collations",
    // Functions that run SQL given as a string, hiding it from this check.
    "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml",
    "cursor_to_xmlschema", "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
    "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema", "database_to_xml",
    "database_to_xmlschema", "database_to_xml_and_xmlschema",
    // SQLite: extensions and file access (CLI / fileio extension functions).
    "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "zeroblob",
    // MySQL / MariaDB.
    "load_file", "sleep", "benchmark", "get_lock", "release_lock", "release_all_locks",
    "is_free_lock", "is_used_lock", "master_pos_wait", "source_pos_wait", "sys_exec", "sys_eval",
];

/// Name prefixes: whole families (large objects, dblink, advisory locks, replication…).
const DENIED_PREFIXES: &[&str] = &[
    "lo_", "dblink", "pg_advisory", "pg_try_advisory", "pg_read_", "pg_ls_", "pg_stat_reset",
    "pg_create_", "pg_drop_", "pg_replication_", "pg_logical_", "pg_wal_", "pg_xlog_",
    "pg_file_", "pg_catalog.pg_", "gtid_",
];

/// System relations that hold credentials or other sessions' queries.
const DENIED_RELATIONS: &[&str] = &[
    "pg_authid", "pg_shadow", "pg_user_mapping", "pg_user_mappings", "pg_hba_file_rules",
    "pg_ident_file_mappings", "pg_file_settings", "pg_stat_activity", "pg_largeobject",
    "pg_settings",
    // MySQL / MariaDB: other sessions' statements.
    "processlist",
];

/// Whole schemas of MySQL / MariaDB that hold accounts, password hashes and server state.
const DENIED_SCHEMAS: &[&str] = &["mysql", "performance_schema", "sys"];

pub fn is_denied_function(name: &str) -> bool {
    DENIED_FUNCTIONS.contains(&name) || DENIED_PREFIXES.iter().any(|p| name.starts_with(p))
}

pub fn is_denied_schema(name: &str) -> bool {
    DENIED_SCHEMAS.contains(&name)
}

pub fn is_denied_relation(name: &str) -> bool {
    DENIED_RELATIONS.contains(&name)
}

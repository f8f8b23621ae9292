//! What a query may call and read, per dialect. Allow-lists, not deny-lists: a function or
//! relation that is not named here is refused, so a new server version's function or an
//! unusual spelling fails closed. Every name is lower case, as the parsers resolve them.
//!
//! A function is listed only if it is free of side effects, file or network access, waits,
//! locks and dynamic SQL (a string run as a query, e.g. `query_to_xml`, `ts_stat`).

use super::SqlDialect;

/// Aggregates and window functions the three engines share.
const COMMON_AGGREGATES: &[&str] = &[
    "count", "sum", "avg", "min", "max", "row_number", "rank", "dense_rank", "percent_rank",
    "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
];

/// Scalar functions the three engines share (same name, same harmless meaning).
const COMMON_SCALARS: &[&str] = &[
    "abs", "round", "lower", "upper", "length", "trim", "ltrim", "rtrim", "substr", "substring",
    "replace", "coalesce", "nullif", "concat", "concat_ws", "ceil", "ceiling", "floor", "sqrt",
    "power", "pow", "exp", "ln", "log", "log10", "mod", "sign", "pi", "trunc", "greatest", "least",
    "random",
];

const POSTGRES: &[&str] = &[
    // Aggregates and statistics.
    "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "string_agg",
    "array_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or", "bit_xor", "json_agg",
    "jsonb_agg", "json_object_agg", "jsonb_object_agg", "percentile_cont", "percentile_disc",
    "mode", "corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_count",
    "regr_intercept", "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy", "grouping",
    "any_value",
    // Numbers.
    "cbrt", "div", "degrees", "radians", "sin", "cos", "tan", "cot", "asin", "acos", "atan",
    "atan2", "sinh", "cosh", "tanh", "width_bucket", "gcd", "lcm", "factorial", "scale",
    "min_scale", "trim_scale", "numeric", "int2", "int4", "int8", "float4", "float8",
    // Text.
    "char_length", "character_length", "octet_length", "bit_length", "initcap", "btrim", "lpad",
    "rpad", "position", "strpos", "translate", "left", "right", "reverse", "repeat", "split_part",
    "string_to_array", "array_to_string", "regexp_replace", "regexp_match", "regexp_matches",
    "regexp_split_to_array", "regexp_split_to_table", "regexp_count", "regexp_like",
    "regexp_instr", "regexp_substr", "starts_with", "md5", "sha224", "sha256", "sha384", "sha512",
    "format", "to_char", "to_number", "to_date", "to_timestamp", "ascii", "chr", "quote_ident",
    "quote_literal", "quote_nullable", "encode", "decode", "overlay", "normalize", "is_normalized",
    "text", "varchar", "bpchar", "string_to_table", "unistr", "casefold", "similar_to_escape",
    // Dates and times.
    "now", "date_trunc", "date_part", "extract", "age", "make_date", "make_time",
    "make_timestamp", "make_timestamptz", "make_interval", "date_bin", "justify_days",
    "justify_hours", "justify_interval", "timezone", "clock_timestamp", "statement_timestamp",
    "transaction_timestamp", "isfinite", "overlaps", "date", "timestamp", "timestamptz",
    "interval", "time", "timetz", "date_add", "date_subtract",
    // Sets and arrays.
    "generate_series", "generate_subscripts", "unnest", "array_length", "cardinality",
    "array_position", "array_positions", "array_append", "array_prepend", "array_cat",
    "array_remove", "array_replace", "array_upper", "array_lower", "array_dims", "array_ndims",
    "array_fill", "trim_array", "array_reverse", "array_sort",
    // JSON.
    "to_json", "to_jsonb", "row_to_json", "array_to_json", "json_build_object",
    "jsonb_build_object", "json_build_array", "jsonb_build_array", "json_object", "jsonb_object",
    "json_extract_path", "json_extract_path_text", "jsonb_extract_path", "jsonb_extract_path_text",
    "json_array_length", "jsonb_array_length", "json_each", "json_each_text", "jsonb_each",
    "jsonb_each_text", "json_array_elements", "json_array_elements_text", "jsonb_array_elements",
    "jsonb_array_elements_text", "json_object_keys", "jsonb_object_keys", "json_typeof",
    "jsonb_typeof", "jsonb_pretty", "json_strip_nulls", "jsonb_strip_nulls", "jsonb_set",
    "jsonb_insert", "jsonb_path_query", "jsonb_path_query_array", "jsonb_path_query_first",
    "jsonb_path_exists", "jsonb_path_match",
    // Ranges, text search without a query string, and plain values.
    "lower_inc", "upper_inc", "lower_inf", "upper_inf", "isempty", "range_merge", "int4range",
    "int8range", "numrange", "daterange", "tsrange", "tstzrange", "to_tsvector", "to_tsquery",
    "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery", "ts_rank", "ts_rank_cd",
    "ts_headline", "num_nulls", "num_nonnulls", "pg_typeof", "gen_random_uuid", "bit_count",
    "current_database", "current_schema", "version",
];

const MYSQL: &[&str] = &[
    // Aggregates and statistics.
    "group_concat", "std", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop",
    "var_samp", "bit_and", "bit_or", "bit_xor", "json_arrayagg", "json_objectagg",
    "percentile_cont", "percentile_disc", "median",
    // Numbers.
    "truncate", "log2", "degrees", "radians", "sin", "cos", "tan", "cot", "asin", "acos", "atan",
    "atan2", "rand", "conv", "crc32", "format", "bit_count",
    // Control flow and text.
    "if", "ifnull", "isnull", "char_length", "character_length", "octet_length", "bit_length",
    "lcase", "ucase", "substring_index", "left", "right", "reverse", "repeat", "lpad", "rpad",
    "locate", "instr", "position", "field", "elt", "find_in_set", "space", "strcmp", "ascii",
    "ord", "hex", "unhex", "md5", "sha1", "sha2", "regexp_like", "regexp_replace",
    "regexp_substr", "regexp_instr", "soundex", "quote", "convert", "char",
    // Dates and times.
    "now", "curdate", "current_date", "curtime", "current_time", "current_timestamp",
    "localtime", "localtimestamp", "utc_date", "utc_time", "utc_timestamp", "date", "time",
    "year", "month", "day", "dayofmonth", "dayofweek", "dayofyear", "weekday", "week",
    "weekofyear", "yearweek", "quarter", "hour", "minute", "second", "microsecond", "monthname",
    "dayname", "date_format", "time_format", "str_to_date", "datediff", "timediff",
    "timestampdiff", "timestampadd", "date_add", "date_sub", "adddate", "subdate", "addtime",
    "subtime", "last_day", "makedate", "maketime", "extract", "unix_timestamp", "from_unixtime",
    "to_days", "from_days", "to_seconds", "sec_to_time", "time_to_sec", "period_add",
    "period_diff", "convert_tz", "timestamp",
    // JSON.
    "json_extract", "json_unquote", "json_object", "json_array", "json_length", "json_contains",
    "json_contains_path", "json_keys", "json_type", "json_valid", "json_value", "json_search",
    "json_depth", "json_quote",
];

const SQLITE: &[&str] = &[
    // Aggregates.
    "total", "group_concat", "string_agg", "json_group_array", "json_group_object",
    "percent_rank", "median",
    // Text and values.
    "instr", "ifnull", "iif", "if", "typeof", "hex", "unhex", "quote", "char", "unicode", "printf",
    "format", "like", "glob", "likely", "unlikely", "likelihood", "octet_length", "sqlite_version",
    // Dates and times.
    "date", "time", "datetime", "julianday", "strftime", "unixepoch", "timediff",
    // Numbers.
    "log2", "degrees", "radians", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh",
    "cosh", "tanh",
    // JSON (json_each / json_tree are table-valued and read only their argument).
    "json", "jsonb", "json_extract", "jsonb_extract", "json_array", "json_object",
    "json_array_length", "json_type", "json_valid", "json_quote", "json_each", "json_tree",
    "json_insert", "json_replace", "json_set", "json_remove", "json_patch",
];

/// Table-valued pragma functions SQLite exposes for metadata; all read-only.
const SQLITE_PRAGMA_FUNCTIONS: &[&str] =
    &["pragma_table_info", "pragma_table_xinfo", "pragma_index_list", "pragma_index_info", "pragma_foreign_key_list"];

/// Whether `name` (lower case, unqualified) may be called in `dialect`.
pub fn is_allowed_function(dialect: SqlDialect, name: &str) -> bool {
    let own = match dialect {
        SqlDialect::Postgres => POSTGRES,
        SqlDialect::MySql => MYSQL,
        SqlDialect::Sqlite => SQLITE,
    };
    COMMON_AGGREGATES.contains(&name)
        || COMMON_SCALARS.contains(&name)
        || own.contains(&name)
        || (dialect == SqlDialect::Sqlite && SQLITE_PRAGMA_FUNCTIONS.contains(&name))
}

/// Whether a call (name parts as the parser read them, lower case) is one of the datasource's
/// own functions an admin allowed. An entry is `name` or `schema.name`; `schema.name` also
/// allows the unqualified call, which the server resolves through its search path.
pub fn is_user_function(allowed: &[String], call: &[String]) -> bool {
    match call {
        [name] => allowed.iter().any(|a| a == name || a.rsplit_once('.').is_some_and(|(_, n)| n == name)),
        [schema, name] => allowed.iter().any(|a| a.split_once('.') == Some((schema.as_str(), name.as_str()))),
        _ => false,
    }
}

/// Checks an admin's entry for the list of allowed user functions: `name` or `schema.name`,
/// plain lower-case identifiers, never a server's own schema or a PostgreSQL internal name
/// (those stay governed by the built-in allow-list).
pub fn check_user_function_entry(entry: &str) -> Result<String, String> {
    let entry = entry.trim().to_ascii_lowercase();
    let plain = |part: &str| {
        !part.is_empty()
            && part.len() <= 63
            && part.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let (schema, name) = match entry.split_once('.') {
        Some((s, n)) => (Some(s), n),
        None => (None, entry.as_str()),
    };
    if !plain(name) || !schema.is_none_or(plain) {
        return Err(format!("{entry:?} is not a function name (write name or schema.name)"));
    }
    if schema.is_some_and(is_system_schema) || name.starts_with("pg_") {
        return Err(format!("{entry:?} belongs to the server, not to the datasource: only the datasource's own functions can be allowed"));
    }
    Ok(entry)
}

/// Metadata views that describe the schema and hold no credentials or other sessions' data:
/// the standard `information_schema` views both servers have, and each server's own.
const INFORMATION_SCHEMA_VIEWS: &[&str] =
    &["tables", "columns", "views", "schemata", "table_constraints", "key_column_usage", "referential_constraints"];
const POSTGRES_INFORMATION_SCHEMA_VIEWS: &[&str] = &["constraint_column_usage", "check_constraints", "element_types", "sequences"];
const MYSQL_INFORMATION_SCHEMA_VIEWS: &[&str] = &["statistics"];
const POSTGRES_CATALOG_VIEWS: &[&str] = &[
    "pg_tables", "pg_views", "pg_matviews", "pg_indexes", "pg_class", "pg_namespace", "pg_attribute", "pg_type", "pg_enum",
    "pg_constraint", "pg_index", "pg_description", "pg_inherits",
];

/// Schemas that belong to a server, not to the datasource's data. One list for every
/// dialect: a name that is a system schema anywhere is refused everywhere, which fails closed
/// if a datasource is ever read with the wrong dialect.
pub fn is_system_schema(schema: &str) -> bool {
    schema.starts_with("pg_") || matches!(schema, "information_schema" | "mysql" | "performance_schema" | "sys")
}

/// Whether a relation of a system schema is one of the harmless metadata views.
pub fn is_allowed_metadata(dialect: SqlDialect, schema: &str, relation: &str) -> bool {
    match (dialect, schema) {
        (SqlDialect::Postgres, "information_schema") => {
            INFORMATION_SCHEMA_VIEWS.contains(&relation) || POSTGRES_INFORMATION_SCHEMA_VIEWS.contains(&relation)
        }
        (SqlDialect::Postgres, "pg_catalog") => POSTGRES_CATALOG_VIEWS.contains(&relation),
        (SqlDialect::MySql, "information_schema") => INFORMATION_SCHEMA_VIEWS.contains(&relation) || MYSQL_INFORMATION_SCHEMA_VIEWS.contains(&relation),
        _ => false,
    }
}

/// Refusal reason for reading `schema.relation` (schema as written, or the one the server
/// would find it in), or `None` when the relation may be read.
pub fn relation_refusal(dialect: SqlDialect, schema: Option<&str>, relation: &str) -> Option<String> {
    // SQLite's internal tables and eponymous virtual tables (`FROM pragma_database_list`, no
    // parentheses needed): only the metadata ones on the list.
    let sqlite_internal = (relation.starts_with("sqlite_") && !matches!(relation, "sqlite_master" | "sqlite_schema"))
        || (relation.starts_with("pragma_") && !SQLITE_PRAGMA_FUNCTIONS.contains(&relation))
        || relation == "dbstat";
    if sqlite_internal {
        return Some(format!("reading the internal table {relation} is not allowed"));
    }
    // PostgreSQL searches pg_catalog before the search path, so an unqualified `pg_…` name
    // is read as the catalog's (refused in every dialect, as above).
    let schema = match schema {
        None if relation.starts_with("pg_") => "pg_catalog",
        None => return None,
        Some(s) => s,
    };
    if is_system_schema(schema) && !is_allowed_metadata(dialect, schema, relation) {
        return Some(format!(
            "reading {schema}.{relation} is not allowed: only the datasource's own tables and the schema-describing views are"
        ));
    }
    None
}

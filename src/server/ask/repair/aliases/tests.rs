use super::*;
use crate::server::ask::fixtures::table;

#[test]
fn a_reserved_word_as_alias_is_renamed() {
    let (cars, snapshots) = (table("cars", &["id", "make"]), table("inventory_snapshots", &["car_id", "is_in_inventory"]));
    let tables = [&cars, &snapshots];
    let sql = "SELECT c.make FROM cars c JOIN inventory_snapshots is ON c.id = is.car_id WHERE is.is_in_inventory IS TRUE";
    assert_eq!(
        repair_reserved_alias("syntax error at or near \"is\"", sql, &tables).unwrap(),
        "SELECT c.make FROM cars c JOIN inventory_snapshots is_ ON c.id = is_.car_id WHERE is_.is_in_inventory IS TRUE"
    );
    let with_as = "SELECT as.car_id FROM public.inventory_snapshots AS as";
    assert_eq!(repair_reserved_alias("syntax error at or near \"as\"", with_as, &tables).unwrap(), "SELECT as_.car_id FROM public.inventory_snapshots AS as_");
    // A syntax error that is not an alias, or a word that is not reserved, is left to the model.
    assert!(repair_reserved_alias("syntax error at or near \"is\"", "SELECT 1 WHERE x IS IS NULL", &tables).is_none());
    assert!(repair_reserved_alias("syntax error at or near \"fromm\"", "SELECT 1 fromm cars", &tables).is_none());
}

#[test]
fn a_repair_keeps_the_alias_as_written_for_mysql() {
    // MySQL aliases are case-sensitive: `T1`, not `t1`.
    let (restaurant, location) = (table("restaurant", &["id", "rating", "city_name"]), table("location", &["restaurant_id", "street_name"]));
    let sql = "SELECT AVG(T3.rating) FROM `restaurant` AS T1 INNER JOIN location AS T2 ON T1.id = T2.restaurant_id";
    let repaired = repair_alias("Unknown column 'T3.rating' in 'SELECT'", sql, &[&restaurant, &location]).unwrap();
    assert_eq!(repaired, sql.replace("T3.rating", "T1.rating"));
}

#[test]
fn postgres_own_single_suggestion_repairs_an_alias() {
    // Both tables have `name`, so the schema alone cannot decide; PostgreSQL named one.
    let (author, conference) = (table("author", &["aid", "name"]), table("conference", &["cid", "name"]));
    let sql = "SELECT t2.name FROM author t1 JOIN conference t3 ON t3.cid = t1.aid JOIN writes t2 ON t2.aid = t1.aid";
    let error = "column t2.name does not exist (hint: Perhaps you meant to reference the column \"t1.name\".)";
    assert_eq!(repair_alias(error, sql, &[&author, &conference]).unwrap(), sql.replace("SELECT t2.name", "SELECT t1.name"));
    let two = "column t2.name does not exist (hint: Perhaps you meant to reference the column \"t1.name\" or the column \"t3.name\".)";
    assert!(repair_alias(two, sql, &[&author, &conference]).is_none());
}

#[test]
fn a_column_taken_from_the_wrong_alias_is_moved_to_the_one_that_has_it() {
    let (publication, writes, author) = (table("publication", &["pid", "title"]), table("writes", &["aid", "pid"]), table("author", &["aid", "name"]));
    let tables = [&publication, &writes, &author];
    let sql = "SELECT p.title FROM publication AS p JOIN writes w ON w.pid = p.pid WHERE p.aid = 3 ORDER BY P.AID";
    assert_eq!(
        repair_alias("column p.aid does not exist", sql, &tables).unwrap(),
        "SELECT p.title FROM publication AS p JOIN writes w ON w.pid = p.pid WHERE w.aid = 3 ORDER BY w.aid"
    );
    // A repair that compares a column with itself (a join turned cross join) is not made.
    let instructor = table("instructor", &["instructor_id", "name"]);
    let record = table("student_record", &["student_id", "course_id"]);
    let join = "SELECT i.name FROM instructor i JOIN student_record sr ON i.instructor_id = sr.instructor_id";
    assert!(repair_alias("column sr.instructor_id does not exist", join, &[&instructor, &record]).is_none());
    // Two relations have it: no guessing.
    let ambiguous = "SELECT p.title FROM publication p JOIN writes w ON w.pid = p.pid JOIN author a ON a.aid = w.aid WHERE p.aid = 1";
    assert!(repair_alias("column p.aid does not exist", ambiguous, &tables).is_none());
    // Nobody in the query has it, or the error is something else.
    assert!(repair_alias("column p.name does not exist", sql, &tables).is_none());
    assert!(repair_alias("syntax error at or near \"FROM\"", sql, &tables).is_none());
    // Bare table names work as qualifiers too, and longer names are left alone.
    assert_eq!(
        repair_alias("column publication.aid does not exist", "SELECT publication.aid, publication.aid_x FROM publication JOIN writes ON writes.pid = publication.pid", &tables)
            .unwrap(),
        "SELECT writes.aid, publication.aid_x FROM publication JOIN writes ON writes.pid = publication.pid"
    );
}

#[test]
fn repairs_read_each_dialect_and_non_ascii_names() {
    let (cafe, prix) = (table("café", &["id", "nom"]), table("prix", &["café_id", "montant"]));
    let tables = [&cafe, &prix];
    let sql = "SELECT c.montant FROM café c JOIN prix p ON p.café_id = c.id ORDER BY c.montant";
    let want = "SELECT p.montant FROM café c JOIN prix p ON p.café_id = c.id ORDER BY p.montant";
    for (dialect, error) in [
        (SqlDialect::Postgres, "column c.montant does not exist"),
        (SqlDialect::MySql, "Unknown column 'c.montant' in 'field list'"),
        (SqlDialect::Sqlite, "no such column: c.montant"),
    ] {
        let (repaired, how) = crate::server::ask::repair::repair(error, sql, &tables, dialect).unwrap();
        assert_eq!((repaired.as_str(), how), (want, "the column was moved to the table that has it"), "{dialect:?}");
    }
    let reserved = "SELECT is.montant FROM prix is WHERE is.café_id = 1";
    for (dialect, error) in [
        (SqlDialect::MySql, "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'is WHERE is.café_id = 1' at line 1"),
        (SqlDialect::Sqlite, "near \"is\": syntax error"),
    ] {
        let (repaired, _) = crate::server::ask::repair::repair(error, reserved, &tables, dialect).unwrap();
        assert_eq!(repaired, "SELECT is_.montant FROM prix is_ WHERE is_.café_id = 1", "{dialect:?}");
    }
    assert!(relations("SELECT 1 FROM café AS c, prix", &tables).iter().map(|(n, t)| format!("{n}={}", t.name)).eq(["c=café", "prix=prix"]));
}

//! The bundled demo datasource: a small shop in SQLite, generated on first start from a fixed
//! seed, so every install has the same data and a new user can ask questions at once.
use rand::{rngs::StdRng, Rng, SeedableRng};
use sqlx::{sqlite::SqliteConnectOptions, Connection, SqliteConnection};

use super::{error::StartupResult, datasources::config::sqlite_root, datasources::DatasourceService, store::Store};

pub const DEMO_RELATIVE_PATH: &str = "demo/shop.sqlite";
const DEMO_NAME: &str = "Demo shop";
const CREATED_FLAG: &str = "demo_created";

const DDL: &str = r#"
CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT);
CREATE TABLE products (id INTEGER PRIMARY KEY, category_id INTEGER NOT NULL REFERENCES categories(id),
  name TEXT NOT NULL, sku TEXT NOT NULL UNIQUE, price NUMERIC(10,2) NOT NULL, stock INTEGER NOT NULL,
  created_at DATE NOT NULL);
CREATE TABLE customers (id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE, city TEXT, country TEXT NOT NULL, signed_up_at DATE NOT NULL);
CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
  hired_at DATE NOT NULL, manager_id INTEGER REFERENCES employees(id));
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
  employee_id INTEGER REFERENCES employees(id), status TEXT NOT NULL, ordered_at DATETIME NOT NULL,
  shipped_at DATETIME, total NUMERIC(12,2) NOT NULL);
CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
  product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL, unit_price NUMERIC(10,2) NOT NULL);
CREATE TABLE payments (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
  method TEXT NOT NULL, amount NUMERIC(12,2) NOT NULL, paid_at DATETIME NOT NULL);
CREATE TABLE reviews (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id),
  customer_id INTEGER NOT NULL REFERENCES customers(id), rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  body TEXT, created_at DATE NOT NULL);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX order_items_order ON order_items(order_id);
"#;

const CATEGORIES: &[(&str, &[&str])] = &[
    ("Coffee", &["Espresso Beans", "Filter Roast", "Decaf Blend", "Single Origin Ethiopia", "Cold Brew Pack"]),
    ("Tea", &["Green Sencha", "Earl Grey", "Chamomile", "Masala Chai", "Oolong"]),
    ("Kitchen", &["Pour-over Kettle", "Burr Grinder", "French Press", "Milk Frother", "Scale", "Cups (set of 4)"]),
    ("Bakery", &["Sourdough Loaf", "Croissant Box", "Almond Biscotti", "Banana Bread", "Cinnamon Rolls"]),
    ("Snacks", &["Dark Chocolate Bar", "Salted Almonds", "Granola", "Oat Cookies", "Dried Mango"]),
    ("Accessories", &["Travel Mug", "Reusable Filter", "Tote Bag", "Gift Card", "Cleaning Tablets"]),
    ("Subscriptions", &["Monthly Coffee Box", "Tea Lovers Box", "Office Pack"]),
];
const FIRST: &[&str] = &["Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Yara", "Zoe"];
const LAST: &[&str] = &["Silva", "Müller", "Dubois", "Rossi", "Novak", "Kim", "Okafor", "Jensen", "García", "Smith", "Tanaka", "Kowalski", "Nguyen", "Costa", "Berg"];
const PLACES: &[(&str, &str)] = &[("Lisbon", "Portugal"), ("Porto", "Portugal"), ("Berlin", "Germany"), ("Munich", "Germany"), ("Paris", "France"), ("Lyon", "France"), ("Milan", "Italy"), ("Madrid", "Spain"), ("London", "United Kingdom"), ("Dublin", "Ireland"), ("Amsterdam", "Netherlands"), ("Warsaw", "Poland")];
const STATUSES: &[(&str, u32)] = &[("delivered", 70), ("shipped", 12), ("pending", 6), ("cancelled", 7), ("returned", 5)];
const METHODS: &[&str] = &["card", "card", "card", "paypal", "bank_transfer"];

/// Day number (days since 1970-01-01) to an ISO date, proleptic Gregorian.
pub fn iso_date(days: i64) -> String {
    let (y, m, d) = crate::app::time::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Creates and registers the demo datasource once; a user who deletes it is not overruled.
/// Builds the demo file when this replica's data directory lacks it (it is the same on every
/// replica: a fixed seed), and registers the datasource once per app store, even when several
/// replicas start together against a shared store.
pub async fn ensure_demo(store: &Store, service: &DatasourceService) -> StartupResult<()> {
    let path = sqlite_root(&service.policy().data_dir).join(DEMO_RELATIVE_PATH);
    if !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Built aside and renamed, so a reader never sees half a database.
        let partial = path.with_extension(format!("partial-{}", uuid::Uuid::new_v4().simple()));
        build_demo_database(&partial).await?;
        std::fs::rename(&partial, &path)?;
        tracing::info!(path = %path.display(), "built the demo database");
    }
    if store.claim_setting(CREATED_FLAG, "1").await? {
        let id = service.create_builtin_sqlite(DEMO_NAME, DEMO_RELATIVE_PATH).await.map_err(|e| e.to_string())?;
        // The demo holds no one's data: every account may use it.
        store.set_datasource_grantees(&id, &["*".to_string()]).await?;
        tracing::info!("registered the demo datasource");
    }
    Ok(())
}

pub async fn build_demo_database(path: &std::path::Path) -> Result<(), sqlx::Error> {
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path).create_if_missing(true)).await?;
    let mut rng = StdRng::seed_from_u64(20_240_101);
    let mut tx = conn.begin().await?;
    for stmt in DDL.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        sqlx::query(stmt).execute(&mut *tx).await?;
    }
    let start = 19_358; // 2023-01-01
    let span = 910; // about two and a half years of trading

    let mut prices: Vec<i64> = Vec::new();
    for (ci, (category, products)) in CATEGORIES.iter().enumerate() {
        sqlx::query("INSERT INTO categories (id, name, description) VALUES ($1, $2, $3)")
            .bind(ci as i64 + 1)
            .bind(category)
            .bind(format!("Everything {} from our roastery and partners", category.to_lowercase()))
            .execute(&mut *tx)
            .await?;
        for name in products.iter() {
            let cents = rng.gen_range(250..9_000) / 5 * 5 - 1;
            prices.push(cents);
            let id = prices.len() as i64;
            sqlx::query("INSERT INTO products (id, category_id, name, sku, price, stock, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(ci as i64 + 1)
                .bind(name)
                .bind(format!("SKU-{:03}-{:04}", ci + 1, id))
                .bind(money(cents))
                .bind(rng.gen_range(0..400i64))
                .bind(iso_date(start - rng.gen_range(30..400)))
                .execute(&mut *tx)
                .await?;
        }
    }
    let employees = [("Marta Reis", "Head of Sales", None), ("Tom Becker", "Sales", Some(1)), ("Aisha Khan", "Sales", Some(1)), ("Luca Bianchi", "Sales", Some(1)), ("Sofia Lind", "Support", Some(1)), ("Pavel Novak", "Sales", Some(1))];
    for (i, (name, role, manager)) in employees.iter().enumerate() {
        sqlx::query("INSERT INTO employees (id, name, role, hired_at, manager_id) VALUES ($1, $2, $3, $4, $5)")
            .bind(i as i64 + 1)
            .bind(name)
            .bind(role)
            .bind(iso_date(start - 700 + 90 * i as i64))
            .bind(manager.map(|m: i64| m))
            .execute(&mut *tx)
            .await?;
    }
    let customers = 600i64;
    for id in 1..=customers {
        let first = FIRST[rng.gen_range(0..FIRST.len())];
        let last = LAST[rng.gen_range(0..LAST.len())];
        let (city, country) = PLACES[rng.gen_range(0..PLACES.len())];
        sqlx::query("INSERT INTO customers (id, first_name, last_name, email, city, country, signed_up_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(first)
            .bind(last)
            .bind(format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), id))
            .bind(if rng.gen_ratio(1, 20) { None } else { Some(city) })
            .bind(country)
            .bind(iso_date(start + rng.gen_range(0..span - 30)))
            .execute(&mut *tx)
            .await?;
    }
    let (mut item_id, mut payment_id, orders) = (0i64, 0i64, 2_400i64);
    for order_id in 1..=orders {
        let day = start + (order_id * span / orders) + rng.gen_range(0..3);
        let ordered_at = format!("{} {:02}:{:02}:00", iso_date(day), rng.gen_range(7..22), rng.gen_range(0..60));
        let roll = rng.gen_range(0..100);
        let mut acc = 0;
        let status = STATUSES.iter().find(|(_, w)| { acc += w; roll < acc }).map(|s| s.0).unwrap_or("delivered");
        let shipped_at = matches!(status, "shipped" | "delivered" | "returned")
            .then(|| format!("{} 10:00:00", iso_date(day + rng.gen_range(1..5))));
        let mut total = 0i64;
        let lines: Vec<(i64, i64, i64)> = (0..rng.gen_range(1..5))
            .map(|_| {
                let p = rng.gen_range(0..prices.len());
                let qty = rng.gen_range(1..4);
                total += prices[p] * qty;
                (p as i64 + 1, qty, prices[p])
            })
            .collect();
        sqlx::query("INSERT INTO orders (id, customer_id, employee_id, status, ordered_at, shipped_at, total) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(order_id)
            .bind(rng.gen_range(1..=customers))
            .bind(if rng.gen_ratio(1, 4) { None } else { Some(rng.gen_range(2..=6i64)) })
            .bind(status)
            .bind(&ordered_at)
            .bind(shipped_at)
            .bind(money(total))
            .execute(&mut *tx)
            .await?;
        for (product, qty, price) in lines {
            item_id += 1;
            sqlx::query("INSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES ($1, $2, $3, $4, $5)")
                .bind(item_id)
                .bind(order_id)
                .bind(product)
                .bind(qty)
                .bind(money(price))
                .execute(&mut *tx)
                .await?;
        }
        if status != "cancelled" && status != "pending" {
            payment_id += 1;
            sqlx::query("INSERT INTO payments (id, order_id, method, amount, paid_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(payment_id)
                .bind(order_id)
                .bind(METHODS[rng.gen_range(0..METHODS.len())])
                .bind(money(total))
                .bind(&ordered_at)
                .execute(&mut *tx)
                .await?;
        }
    }
    let words = ["Great", "Okay", "Lovely", "Too bitter", "Arrived late", "Would buy again", "Excellent value", "Not for me"];
    for id in 1..=900i64 {
        let rating: i64 = [5, 5, 4, 4, 4, 3, 3, 2, 1][rng.gen_range(0..9)];
        sqlx::query("INSERT INTO reviews (id, product_id, customer_id, rating, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(rng.gen_range(1..=prices.len() as i64))
            .bind(rng.gen_range(1..=customers))
            .bind(rating)
            .bind(if rng.gen_ratio(1, 6) { None } else { Some(words[rng.gen_range(0..words.len())]) })
            .bind(iso_date(start + rng.gen_range(10..span)))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&mut conn).await?;
    conn.close().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(19_358), "2023-01-01");
        assert_eq!(iso_date(19_417), "2023-03-01");
        assert_eq!(iso_date(11_016), "2000-02-29");
    }

    #[tokio::test]
    async fn demo_database_is_related_and_sized() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.sqlite");
        build_demo_database(&path).await.unwrap();
        let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path)).await.unwrap();
        let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .fetch_one(&mut conn).await.unwrap();
        assert!((6..=8).contains(&tables));
        let items: i64 = sqlx::query_scalar("SELECT count(*) FROM order_items").fetch_one(&mut conn).await.unwrap();
        assert!(items > 3_000);
        let orphans: i64 = sqlx::query_scalar("SELECT count(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL")
            .fetch_one(&mut conn).await.unwrap();
        assert_eq!(orphans, 0);
        let fk_violations = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut conn).await.unwrap();
        assert!(fk_violations.is_empty());
    }
}

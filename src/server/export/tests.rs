use serde_json::json;

use super::*;

#[test]
fn formulas_in_text_are_neutralised_but_numbers_are_not() {
    assert_eq!(neutralize_formula(&json!("=cmd|' /C calc'!A0")), "'=cmd|' /C calc'!A0");
    assert_eq!(neutralize_formula(&json!("@SUM(A1)")), "'@SUM(A1)");
    assert_eq!(neutralize_formula(&json!("+1-2 text")), "'+1-2 text");
    assert_eq!(neutralize_formula(&json!("-12.50")), "-12.50", "an exact decimal stays a number");
    assert_eq!(neutralize_formula(&json!(-3)), "-3");
    assert_eq!(neutralize_formula(&json!(null)), "");
    assert_eq!(neutralize_formula(&json!({"a": 1})), "{\"a\":1}");
}

#[test]
fn file_names_are_safe_and_dated() {
    assert_eq!(file_stem("Demo shop", 951_782_400_000), "demo-shop-20000229-0000");
    assert_eq!(file_stem("../../etc/passwd", 0), "etc-passwd-19700101-0000");
    assert_eq!(file_stem("Ventas ñ", 0), "ventas-19700101-0000");
    assert_eq!(file_stem("«»", 0), "result-19700101-0000");
}

#[test]
fn pdf_is_well_formed_and_paginates() {
    let header = vec!["name".to_string(), "total".to_string()];
    let rows: Vec<Vec<String>> = (0..120).map(|i| vec![format!("customer {i} ñ €"), i.to_string()]).collect();
    let pdf = pdf_out::render_for_tests(&header, &rows);
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/Count 3"), "120 rows need three pages");
    // Non-ASCII text is written as a hex string: ñ is WinAnsi 0xF1, the euro sign (outside
    // Latin-1) became '?'.
    let hex: String = b"customer 119 \xf1 ?".iter().map(|b| format!("{b:02x}")).collect();
    let lower = text.to_lowercase();
    assert!(lower.contains(&format!("<{hex}>")), "WinAnsi text of the last row");
}

#[tokio::test]
async fn rows_follow_the_column_choice_and_unknown_columns_are_refused() {
    let (tx, rx) = channel();
    let cols = vec![
        ResultColumn { name: "a".into(), type_name: "int4".into() },
        ResultColumn { name: "b".into(), type_name: "text".into() },
    ];
    tx.send(RowMsg::Columns(cols.clone())).await.unwrap();
    tx.send(RowMsg::Rows(vec![vec![json!(1), json!("x")], vec![json!(2), json!("y")]])).await.unwrap();
    tx.send(RowMsg::Done).await.unwrap();
    let mut rows = Rows::start(rx, &["b".to_string(), "a".to_string()]).await.unwrap();
    assert_eq!(rows.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(rows.next().await.unwrap(), Some(vec![json!("x"), json!(1)]));
    assert_eq!(rows.next().await.unwrap(), Some(vec![json!("y"), json!(2)]));
    assert_eq!(rows.next().await.unwrap(), None);

    let (tx, rx) = channel();
    tx.send(RowMsg::Columns(cols)).await.unwrap();
    let err = Rows::start(rx, &["nope".to_string()]).await.err().unwrap();
    assert_eq!(err.public_message(), "the result has no column \"nope\"");
}

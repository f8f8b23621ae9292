//! A printable PDF table: landscape A4, Helvetica (a base font every reader has, so nothing is
//! embedded), the header repeated on every page, long cells cut to their column.
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use super::{cell_text, Rows, PDF_MAX_ROWS};
use crate::server::error::AppResult;

const PAGE_W: f32 = 842.0;
const PAGE_H: f32 = 595.0;
const MARGIN: f32 = 36.0;
const FONT_SIZE: f32 = 7.0;
const ROW_H: f32 = 10.0;
/// Helvetica's average glyph width is about half the font size.
const CHAR_W: f32 = FONT_SIZE * 0.5;

/// Text in the fonts' WinAnsi encoding: Latin-1 passes, anything else becomes '?'.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars().map(|c| if (c as u32) < 0x7f && !c.is_control() || (0xa0..=0xff).contains(&(c as u32)) { c as u8 } else { b'?' }).collect()
}

fn fit(text: &str, width: f32) -> String {
    let max = ((width - 4.0) / CHAR_W).max(1.0) as usize;
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
        cut.push('~');
        cut
    }
}

fn render(title: &str, header: &[String], rows: &[Vec<String>], more: bool) -> Vec<u8> {
    let col_w = (PAGE_W - 2.0 * MARGIN) / header.len().max(1) as f32;
    let per_page = ((PAGE_H - 2.0 * MARGIN - 3.0 * ROW_H) / ROW_H) as usize;
    let pages: Vec<&[Vec<String>]> = if rows.is_empty() { vec![&[]] } else { rows.chunks(per_page).collect() };
    let (catalog, tree, regular, bold) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4));
    let page_ref = |i: usize| Ref::new(5 + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(6 + 2 * i as i32);
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids((0..pages.len()).map(page_ref)).count(pages.len() as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    for (i, chunk) in pages.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree).contents(content_ref(i));
        page.resources().fonts().pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
        page.finish();
        let mut c = Content::new();
        let line = |c: &mut Content, font: &[u8], x: f32, y: f32, text: &str| {
            c.begin_text();
            c.set_font(Name(font), FONT_SIZE);
            c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
            c.show(Str(&win_ansi(text)));
            c.end_text();
        };
        let mut y = PAGE_H - MARGIN;
        let note = if more { format!(" (first {PDF_MAX_ROWS} rows; export CSV or Excel for all)") } else { String::new() };
        line(&mut c, b"F2", MARGIN, y, &format!("{title}: {} rows{note} - page {} of {}", rows.len(), i + 1, pages.len()));
        y -= 2.0 * ROW_H;
        for (k, h) in header.iter().enumerate() {
            line(&mut c, b"F2", MARGIN + k as f32 * col_w, y, &fit(h, col_w));
        }
        for row in chunk.iter() {
            y -= ROW_H;
            for (k, cell) in row.iter().enumerate() {
                line(&mut c, b"F1", MARGIN + k as f32 * col_w, y, &fit(cell, col_w));
            }
        }
        pdf.stream(content_ref(i), &c.finish());
    }
    pdf.finish()
}

pub async fn write(mut rows: Rows, title: &str) -> AppResult<BoxStream<'static, Result<Bytes, std::io::Error>>> {
    let header: Vec<String> = rows.columns.iter().map(|c| c.name.clone()).collect();
    let mut cells = Vec::new();
    let mut more = false;
    while let Some(row) = rows.next().await? {
        if cells.len() == PDF_MAX_ROWS as usize {
            more = true;
            break;
        }
        cells.push(row.iter().map(|c| cell_text(c).into_owned()).collect::<Vec<_>>());
    }
    let title = title.to_string();
    let bytes = tokio::task::spawn_blocking(move || render(&title, &header, &cells, more)).await.map_err(crate::server::error::AppError::internal)?;
    Ok(stream::once(async move { Ok(Bytes::from(bytes)) }).boxed())
}

#[cfg(test)]
pub(super) fn render_for_tests(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    render("test", header, rows, false)
}

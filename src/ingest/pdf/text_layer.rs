//! The PDF text layer: every glyph with its position, size and turn, and the rules (table
//! borders) drawn on each page.
//!
//! Owns reading a PDF (through `pdf-extract`, pure Rust on `lopdf`) into [`Page`]s. Knows
//! nothing about lines, tables or budgets (that is `lines` and above). A PDF without a
//! text layer (a scan) is refused, and so is one that cannot be read; the extractor's
//! panics on malformed fonts are caught and reported as errors.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use pdf_extract::{
    ColorSpace, MediaBox, OutputDev, OutputError, Path as PdfPath, PathOp, Transform,
};

use crate::error::{Error, Result};

/// One glyph: its origin (PDF user space, y up), advance width and font size.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub size: f64,
    pub text: String,
    /// Which text-showing operation drew it (cells are usually drawn by separate ones).
    pub op: u32,
}

/// A straight horizontal or vertical line drawn on a page (a table rule), in user space
/// with `x0 <= x1` and `y0 <= y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rule {
    fn new(a: (f64, f64), b: (f64, f64)) -> Option<Rule> {
        let r = Rule {
            x0: a.0.min(b.0),
            y0: a.1.min(b.1),
            x1: a.0.max(b.0),
            y1: a.1.max(b.1),
        };
        (r.is_horizontal() || r.is_vertical()).then_some(r)
    }

    /// A horizontal rule (at least 5 points long, at most 2 thick).
    pub fn is_horizontal(&self) -> bool {
        self.y1 - self.y0 <= 2.0 && self.x1 - self.x0 >= 5.0
    }

    /// A vertical rule.
    pub fn is_vertical(&self) -> bool {
        self.x1 - self.x0 <= 2.0 && self.y1 - self.y0 >= 5.0
    }
}

/// The glyphs and rules of one page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// 1-based page number.
    pub number: u32,
    pub width: f64,
    pub height: f64,
    pub glyphs: Vec<Glyph>,
    pub rules: Vec<Rule>,
}

impl Page {
    /// Turns a page whose text mostly runs at a quarter turn `turn` (a landscape table
    /// printed on a portrait page, or a rotated page) so that its text runs left to right:
    /// glyphs and rules are rotated by `-turn` quarter turns and the page's size swapped.
    fn upright(&mut self, turn: u8) {
        let (w, h) = (self.width, self.height);
        let map = |x: f64, y: f64| match turn {
            1 => (y, w - x),
            2 => (w - x, h - y),
            3 => (h - y, x),
            _ => (x, y),
        };
        for g in &mut self.glyphs {
            (g.x, g.y) = map(g.x, g.y);
        }
        for r in &mut self.rules {
            let (a, b) = (map(r.x0, r.y0), map(r.x1, r.y1));
            *r = Rule {
                x0: a.0.min(b.0),
                y0: a.1.min(b.1),
                x1: a.0.max(b.0),
                y1: a.1.max(b.1),
            };
        }
        if turn % 2 == 1 {
            (self.width, self.height) = (h, w);
        }
    }
}

pub(super) struct Collector {
    pub(super) pages: Vec<Page>,
    pub(super) op: u32,
    /// The quarter turn (0–3, counter-clockwise) of each glyph of the current page.
    pub(super) turns: Vec<u8>,
    /// The current page's lower-left corner.
    pub(super) origin: (f64, f64),
}

impl Collector {
    fn rules_of(&mut self, ctm: &Transform, path: &PdfPath) {
        let at = |x: f64, y: f64| {
            (
                x * ctm.m11 + y * ctm.m21 + ctm.m31,
                x * ctm.m12 + y * ctm.m22 + ctm.m32,
            )
        };
        let Some(page) = self.pages.last_mut() else {
            return;
        };
        let mut current = (0.0, 0.0);
        for op in &path.ops {
            match *op {
                PathOp::MoveTo(x, y) => current = at(x, y),
                PathOp::LineTo(x, y) => {
                    let next = at(x, y);
                    page.rules.extend(Rule::new(current, next));
                    current = next;
                }
                PathOp::Rect(x, y, w, h) => {
                    let (a, b) = (at(x, y), at(x + w, y + h));
                    match Rule::new(a, b) {
                        Some(r) => page.rules.push(r),
                        None => {
                            // A cell's outline: its four edges.
                            page.rules.extend(Rule::new(a, (b.0, a.1)));
                            page.rules.extend(Rule::new((a.0, b.1), b));
                            page.rules.extend(Rule::new(a, (a.0, b.1)));
                            page.rules.extend(Rule::new((b.0, a.1), b));
                        }
                    }
                }
                PathOp::CurveTo(_, _, _, _, x, y) => current = at(x, y),
                PathOp::Close => {}
            }
        }
    }
}

/// The quarter turn (0–3, counter-clockwise) that a text matrix's x-axis makes with the
/// page's x-axis.
pub(super) fn quarter_turn(trm: &Transform) -> u8 {
    let angle = trm.m12.atan2(trm.m11).to_degrees();
    (((angle / 90.0).round() as i64).rem_euclid(4)) as u8
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> std::result::Result<(), OutputError> {
        self.origin = (media_box.llx, media_box.lly);
        self.pages.push(Page {
            number: page_num,
            width: media_box.urx - media_box.llx,
            height: media_box.ury - media_box.lly,
            glyphs: Vec::new(),
            rules: Vec::new(),
        });
        Ok(())
    }

    fn end_page(&mut self) -> std::result::Result<(), OutputError> {
        // Text drawn below or left of the page's origin is not visible (a table pasted off
        // the page stays in the content stream): it is not part of the page. (The upper
        // bounds are not checked: the media box reported for a rotated page can be the
        // unrotated one.)
        if let Some(page) = self.pages.last_mut() {
            let (x0, y0) = self.origin;
            let margin = 2.0;
            let mut turns = self.turns.iter();
            let mut kept_turns = Vec::with_capacity(self.turns.len());
            page.glyphs.retain(|g| {
                let turn = turns.next().copied().unwrap_or(0);
                let visible = g.x >= x0 - margin && g.y >= y0 - margin;
                if visible {
                    kept_turns.push(turn);
                }
                visible
            });
            self.turns = kept_turns;
        }
        let mut counts = [0usize; 4];
        for &t in &self.turns {
            counts[t as usize] += 1;
        }
        // Ties (and empty pages) keep the page as it is.
        let turn = (0..4u8)
            .max_by_key(|&t| (counts[t as usize], t == 0))
            .unwrap_or(0);
        if turn != 0
            && let Some(page) = self.pages.last_mut()
        {
            page.upright(turn);
        }
        self.turns.clear();
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        text: &str,
    ) -> std::result::Result<(), OutputError> {
        // The font size as rendered: the text matrix applied to (size, size).
        let vx = font_size * (trm.m11 + trm.m21);
        let vy = font_size * (trm.m12 + trm.m22);
        let size = (vx * vy).abs().sqrt();
        if let Some(page) = self.pages.last_mut()
            && !text.is_empty()
        {
            page.glyphs.push(Glyph {
                x: trm.m31,
                y: trm.m32,
                width: width * size,
                size,
                text: text.to_string(),
                op: self.op,
            });
            self.turns.push(quarter_turn(trm));
        }
        Ok(())
    }

    fn begin_word(&mut self) -> std::result::Result<(), OutputError> {
        self.op += 1;
        Ok(())
    }

    fn end_word(&mut self) -> std::result::Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> std::result::Result<(), OutputError> {
        Ok(())
    }

    fn stroke(
        &mut self,
        ctm: &Transform,
        _colorspace: &ColorSpace,
        _color: &[f64],
        path: &PdfPath,
    ) -> std::result::Result<(), OutputError> {
        self.rules_of(ctm, path);
        Ok(())
    }

    fn fill(
        &mut self,
        ctm: &Transform,
        _colorspace: &ColorSpace,
        _color: &[f64],
        path: &PdfPath,
    ) -> std::result::Result<(), OutputError> {
        // Thin filled rectangles are rules too.
        self.rules_of(ctm, path);
        Ok(())
    }
}

/// Reads the text layer of a PDF.
pub fn read_pages(path: &Path, bytes: &[u8]) -> Result<Vec<Page>> {
    let fail = |reason: String| Error::NotADisclosure {
        path: path.to_path_buf(),
        reason,
    };
    let doc = pdf_extract::Document::load_mem(bytes)
        .map_err(|e| fail(format!("not a readable PDF: {e}")))?;
    if doc.is_encrypted() {
        return Err(fail("the PDF is encrypted; decrypt it first".into()));
    }
    let mut collector = Collector {
        pages: Vec::new(),
        op: 0,
        turns: Vec::new(),
        origin: (0.0, 0.0),
    };
    // The extractor panics on fonts it does not support; the panic is reported as this
    // file's error (and the default hook's message, meant for bugs, is held back).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::output_doc(&doc, &mut collector)
    }));
    std::panic::set_hook(hook);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(fail(format!("the PDF's text layer cannot be read: {e}"))),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown failure");
            return Err(fail(format!(
                "the PDF's text layer cannot be read: its fonts are not supported by the PDF reader ({why})"
            )));
        }
    }
    let glyphs: usize = collector.pages.iter().map(|p| p.glyphs.len()).sum();
    if glyphs == 0 {
        return Err(fail(format!(
            "the PDF has no text layer ({} pages of images, probably a scan); yusuan reads text, not images — OCR it first",
            collector.pages.len()
        )));
    }
    Ok(collector.pages)
}

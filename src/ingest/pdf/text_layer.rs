//! The PDF text layer: every glyph with its position, size and turn, and the rules (table
//! borders) drawn on each page.
//!
//! Owns reading a PDF into [`Page`]s, through hayro (`hayro-syntax` parses the file,
//! `hayro-interpret` runs each page's content and reports glyph runs and paths to a
//! [`Device`]; pure Rust, with the Adobe CMaps for fonts that use a predefined CJK CMap).
//! Knows nothing about lines, tables or budgets (that is `lines` and above). A PDF without
//! a text layer (a scan) is refused, and so is one that cannot be read or whose fonts give
//! no Unicode text; a panic inside the reader is caught and reported as this file's error.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use hayro_interpret::font::GlyphRun;
use hayro_interpret::hayro_syntax::Pdf;
use hayro_interpret::kurbo::{Affine, BezPath, PathEl, Point, Rect, Vec2};
use hayro_interpret::{
    BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageDrawProps,
    InterpreterCache, InterpreterSettings, SoftMask, interpret_page,
};

use crate::error::{Error, Result};
use crate::ingest::limits::{Deadline, LimitHit, Limits};

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
    /// Why the page could not be read whole, if it could not: its content, or a stream it
    /// draws (a font, a form), could not be decoded or found, or the page itself could not
    /// be found. What it shows may be missing.
    pub damaged: Option<String>,
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

/// The device hayro draws one page onto: glyphs with Unicode text and rules are kept,
/// everything else (images, clips, colours) is ignored.
struct Collector {
    page: Page,
    /// Which text-showing operation drew each glyph.
    op: u32,
    /// The quarter turn (0–3, counter-clockwise) of each glyph.
    turns: Vec<u8>,
    /// Glyphs drawn with no Unicode text (a font without a usable mapping).
    unmapped: usize,
    /// The last run drawn with a fill, to skip the same run stroked again (fake bold).
    last_fill: Option<(usize, Option<(u64, u64)>)>,
    /// What this page may still cost.
    budget: Budget,
}

/// What one page may make the interpreter do, counted in the device as it draws: a page
/// that passes a bound stops being read at once (the interpreter cannot be stopped from
/// a device otherwise; see `stop`). Nested and repeated form XObjects are counted each
/// time they are drawn (each pushes its clip), so a form that draws itself, directly or
/// through others, is stopped whatever its depth and fan-out.
struct Budget {
    page: u32,
    operations: usize,
    text_runs: usize,
    glyphs: usize,
    limits: Limits,
    deadline: Deadline,
}

impl Budget {
    fn operation(&mut self) {
        self.operations += 1;
        if self.operations > self.limits.max_page_operations {
            stop(LimitHit {
                option: "--max-page-operations",
                what: format!(
                    "page {} makes more than {} drawing operations",
                    self.page, self.limits.max_page_operations
                ),
            });
        }
        if self.operations.is_multiple_of(4096)
            && let Err(hit) = self.deadline.check(|| format!("at page {}", self.page))
        {
            stop(hit);
        }
    }

    fn text_run(&mut self, glyphs: usize) {
        self.operation();
        self.text_runs += 1;
        self.glyphs += glyphs;
        if self.text_runs > self.limits.max_page_text_runs {
            stop(LimitHit {
                option: "--max-page-text-runs",
                what: format!(
                    "page {} shows text more than {} times",
                    self.page, self.limits.max_page_text_runs
                ),
            });
        }
        if self.glyphs > self.limits.max_page_glyphs {
            stop(LimitHit {
                option: "--max-page-glyphs",
                what: format!(
                    "page {} draws more than {} glyphs",
                    self.page, self.limits.max_page_glyphs
                ),
            });
        }
    }
}

/// Leaves the interpreter from inside a device call: unwinds with the hit as payload,
/// without the panic hook (nothing is printed), to `read_pages`, which catches it.
fn stop(hit: LimitHit) -> ! {
    std::panic::resume_unwind(Box::new(hit))
}

impl Collector {
    /// The rules a path draws: thin rectangles, and the straight horizontal or vertical
    /// edges of everything else (cell outlines, borders painted as filled rectangles).
    fn rules_of(&mut self, transform: Affine, path: &BezPath) {
        let mut subpath: Vec<Point> = Vec::new();
        let (page_w, page_h) = (self.page.width, self.page.height);
        let flush = |pts: &mut Vec<Point>, rules: &mut Vec<Rule>| {
            if let Some(r) = rectangle(pts) {
                // A rectangle over (nearly) the whole page is its background, not a table.
                if r.width() >= 0.9 * page_w && r.height() >= 0.9 * page_h {
                    pts.clear();
                    return;
                }
                match Rule::new((r.x0, r.y0), (r.x1, r.y1)) {
                    Some(rule) => rules.push(rule),
                    None => {
                        // A cell's outline: its four edges.
                        rules.extend(Rule::new((r.x0, r.y0), (r.x1, r.y0)));
                        rules.extend(Rule::new((r.x0, r.y1), (r.x1, r.y1)));
                        rules.extend(Rule::new((r.x0, r.y0), (r.x0, r.y1)));
                        rules.extend(Rule::new((r.x1, r.y0), (r.x1, r.y1)));
                    }
                }
            } else {
                for w in pts.windows(2) {
                    rules.extend(Rule::new((w[0].x, w[0].y), (w[1].x, w[1].y)));
                }
            }
            pts.clear();
        };
        for el in path.elements() {
            match *el {
                PathEl::MoveTo(p) => {
                    flush(&mut subpath, &mut self.page.rules);
                    subpath.push(transform * p);
                }
                PathEl::LineTo(p) => subpath.push(transform * p),
                PathEl::QuadTo(_, p) | PathEl::CurveTo(_, _, p) => {
                    // A curve ends the straight run before it.
                    flush(&mut subpath, &mut self.page.rules);
                    subpath.push(transform * p);
                }
                PathEl::ClosePath => {
                    if let Some(&first) = subpath.first() {
                        subpath.push(first);
                    }
                    flush(&mut subpath, &mut self.page.rules);
                }
            }
        }
        flush(&mut subpath, &mut self.page.rules);
    }
}

/// The rectangle a closed run of four axis-aligned edges draws.
fn rectangle(pts: &[Point]) -> Option<Rect> {
    let pts = match pts {
        [a, .., z] if pts.len() == 5 && (a.x - z.x).abs() < 0.01 && (a.y - z.y).abs() < 0.01 => {
            &pts[..4]
        }
        _ if pts.len() == 4 => pts,
        _ => return None,
    };
    let axis = |a: Point, b: Point| (a.x - b.x).abs() < 0.01 || (a.y - b.y).abs() < 0.01;
    (0..4).all(|i| axis(pts[i], pts[(i + 1) % 4])).then(|| {
        let xs = pts.iter().map(|p| p.x);
        let ys = pts.iter().map(|p| p.y);
        Rect::new(
            xs.clone().fold(f64::MAX, f64::min),
            ys.clone().fold(f64::MAX, f64::min),
            xs.fold(f64::MIN, f64::max),
            ys.fold(f64::MIN, f64::max),
        )
    })
}

/// The quarter turn (0–3, counter-clockwise) that a glyph's x-axis makes with the page's.
fn quarter_turn(t: &Affine) -> u8 {
    let [a, b, ..] = t.as_coeffs();
    let angle = b.atan2(a).to_degrees();
    (((angle / 90.0).round() as i64).rem_euclid(4)) as u8
}

impl<'a> Device<'a> for Collector {
    fn draw_path(&mut self, path: &BezPath, props: DrawProps<'a>, _mode: &DrawMode) {
        self.budget.operation();
        self.rules_of(props.transform, path);
    }

    fn push_clip_path(&mut self, _: &ClipPath) {
        self.budget.operation();
    }

    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {
        self.budget.operation();
    }

    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, mode: &DrawMode) {
        self.budget.text_run(run.glyphs().len());
        // Text filled and then stroked (fake bold) is drawn twice: keep it once.
        // (The run is identified by its glyphs and where the first one is drawn: the
        // interpreter reuses one buffer for every run.)
        let first = run
            .glyphs()
            .first()
            .map(|g| (props.transform * g.transform()).as_coeffs());
        let key = (
            run.glyphs().len(),
            first.map(|c| (c[4].to_bits(), c[5].to_bits())),
        );
        match mode {
            DrawMode::Fill(_) | DrawMode::FillAndStroke(..) => self.last_fill = Some(key),
            DrawMode::Stroke(_) if self.last_fill == Some(key) => return,
            DrawMode::Stroke(_) => {}
            // Invisible text (an OCR layer over a scan) is not what the page shows.
            DrawMode::Invisible => return,
        }
        self.op += 1;
        for g in run.glyphs() {
            let t = props.transform * g.transform();
            let Some(text) = g.as_unicode() else {
                self.unmapped += 1;
                continue;
            };
            let text: String = match text {
                hayro_interpret::hayro_cmap::BfString::Char(c) => c.to_string(),
                hayro_interpret::hayro_cmap::BfString::String(s) => s,
            };
            // (Some fonts map the space to another white space, U+2002 and the like.)
            let text: String = text
                .chars()
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .filter(|c| !c.is_control())
                .collect();
            if text.is_empty() {
                continue;
            }
            // The em square in page space: the glyph's y-axis gives the rendered size
            // (its x-axis may be stretched to the width the PDF prescribes).
            let em = 1000.0;
            let size = (t * Point::new(0.0, em) - t * Point::ORIGIN).hypot();
            let advance = match &**g {
                hayro_interpret::font::Glyph::Outline(o) => o.advance_width(),
                hayro_interpret::font::Glyph::Type3(t3) => t3.advance_width(),
            }
            .unwrap_or(em as f32) as f64;
            let origin = t * Point::ORIGIN;
            self.page.glyphs.push(Glyph {
                x: origin.x,
                y: origin.y,
                width: advance / em * size,
                size,
                text,
                op: self.op,
            });
            self.turns.push(quarter_turn(&t));
        }
    }

    fn draw_image(&mut self, _: Image<'a, '_>, _: ImageDrawProps<'a>) {
        self.budget.operation();
    }

    fn pop_clip(&mut self) {}

    fn pop_transparency_group(&mut self) {}
}

impl Collector {
    /// Ends the page: text drawn below or left of the page's origin is not visible (a
    /// table pasted off the page stays in the content stream) and is dropped; a page whose
    /// text mostly runs at a quarter turn is turned upright.
    fn finish(mut self, origin: Vec2) -> (Page, usize) {
        let margin = 2.0;
        let mut turns = self.turns.iter();
        let mut kept_turns = Vec::with_capacity(self.turns.len());
        self.page.glyphs.retain(|g| {
            let turn = turns.next().copied().unwrap_or(0);
            let visible = g.x >= origin.x - margin && g.y >= origin.y - margin;
            if visible {
                kept_turns.push(turn);
            }
            visible
        });
        let mut counts = [0usize; 4];
        for &t in &kept_turns {
            counts[t as usize] += 1;
        }
        // Ties (and empty pages) keep the page as it is.
        let turn = (0..4u8)
            .max_by_key(|&t| (counts[t as usize], t == 0))
            .unwrap_or(0);
        if turn != 0 {
            self.page.upright(turn);
        }
        (self.page, self.unmapped)
    }
}

/// Reads the text layer of a PDF, within the default [`Limits`].
pub fn read_pages(path: &Path, bytes: &[u8]) -> Result<Vec<Page>> {
    read_pages_within(path, bytes, &Limits::default())
}

/// Reads the text layer of a PDF; a file that passes one of `limits` is refused with the
/// bound named.
pub fn read_pages_within(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Vec<Page>> {
    let fail = |reason: String| Error::NotADisclosure {
        path: path.to_path_buf(),
        reason,
    };
    // The reader is not expected to panic; if it does, the panic is reported as this
    // file's error and the run goes on. (The panic hook is left alone: it is global, and
    // other threads' panics must still be reported.)
    let outcome = catch_unwind(AssertUnwindSafe(|| read(bytes, limits)));
    let (pages, unmapped) = match outcome {
        Ok(Ok(read)) => read,
        Ok(Err(reason)) => return Err(fail(reason)),
        Err(panic) if panic.is::<LimitHit>() => {
            let hit = panic.downcast::<LimitHit>().expect("checked");
            return Err(fail(format!("refused: {hit}")));
        }
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown failure");
            return Err(fail(format!(
                "the PDF's text layer cannot be read: the PDF reader failed ({why})"
            )));
        }
    };
    let glyphs: usize = pages.iter().map(|p| p.glyphs.len()).sum();
    if glyphs == 0 && unmapped == 0 {
        return Err(fail(format!(
            "the PDF has no text layer ({} pages of images, probably a scan); yusuan reads text, not images — OCR it first",
            pages.len()
        )));
    }
    // Glyphs whose font gives no Unicode text cannot be read; a few (symbols, bullets)
    // are left out, more would leave holes in the tables.
    if unmapped * 20 > glyphs + unmapped {
        return Err(fail(format!(
            "the PDF's text layer cannot be read: {unmapped} of {} glyphs come from fonts with no Unicode mapping (no ToUnicode map and no known CMap)",
            glyphs + unmapped
        )));
    }
    Ok(pages)
}

/// Whether the page's content names a font or XObject its resources do not have (a
/// damaged resource dictionary): hayro then draws nothing for it, silently.
fn names_a_missing_resource(page: &hayro_interpret::hayro_syntax::page::Page<'_>) -> bool {
    use hayro_interpret::hayro_syntax::content::ops::TypedInstruction;
    let resources = page.resources();
    let mut ops = page.typed_operations();
    while let Some(op) = ops.next() {
        let missing = match op {
            TypedInstruction::TextFont(f) => resources.get_font(f.0).is_none(),
            TypedInstruction::XObject(x) => resources.get_x_object(x.0).is_none(),
            _ => false,
        };
        if missing {
            return true;
        }
    }
    false
}

/// Every page's glyphs and rules, and the count of glyphs without Unicode text. A file
/// that passes one of `limits` is refused with the bound named (hayro itself bounds
/// object nesting, xref chains and the depth of nested forms; the vendored hayro-syntax the
/// bytes one stream decodes to, set here from `limits`).
fn read(bytes: &[u8], limits: &Limits) -> std::result::Result<(Vec<Page>, usize), String> {
    let deadline = Deadline::start(limits.max_time);
    hayro_interpret::hayro_syntax::set_max_decoded_len(limits.max_stream_bytes);
    let pdf = Pdf::new(bytes.to_vec()).map_err(|e| match e {
        hayro_interpret::hayro_syntax::LoadPdfError::Decryption(_) => {
            "the PDF is encrypted; decrypt it first".to_string()
        }
        _ => "not a readable PDF: its structure could not be parsed".to_string(),
    })?;
    let settings = InterpreterSettings::default();
    let cache = InterpreterCache::new();
    let mut pages = Vec::new();
    let mut unmapped = 0;
    let objects = pdf.xref().len();
    if objects > limits.max_objects {
        stop(LimitHit {
            option: "--max-objects",
            what: format!(
                "the PDF has {objects} objects, more than {}",
                limits.max_objects
            ),
        });
    }
    let count = pdf.pages().len();
    if count > limits.max_pages {
        stop(LimitHit {
            option: "--max-pages",
            what: format!("the PDF has {count} pages, more than {}", limits.max_pages),
        });
    }
    for (i, page) in pdf.pages().iter().enumerate() {
        if let Err(hit) = deadline.check(|| format!("at page {} of {count}", i + 1)) {
            stop(hit);
        }
        let media = page.media_box();
        // PDF user space, y up, as the page's content draws it (the page's /Rotate is not
        // applied: a turned page is recognised by its text, as for pages drawn turned).
        let mut ctx = Context::new(
            Affine::IDENTITY,
            Rect::new(media.x0, media.y0, media.x1, media.y1),
            &cache,
            pdf.xref(),
            settings.clone(),
        );
        let mut device = Collector {
            page: Page {
                number: i as u32 + 1,
                width: media.x1 - media.x0,
                height: media.y1 - media.y0,
                glyphs: Vec::new(),
                rules: Vec::new(),
                damaged: None,
            },
            op: 0,
            turns: Vec::new(),
            unmapped: 0,
            last_fill: None,
            budget: Budget {
                page: i as u32 + 1,
                operations: 0,
                text_runs: 0,
                glyphs: 0,
                limits: limits.clone(),
                deadline,
            },
        };
        let refused_before = hayro_interpret::hayro_syntax::decode_limit_hits();
        let failed_before = hayro_interpret::hayro_syntax::decode_failures();
        interpret_page(page, &mut ctx, &mut device);
        // (hayro-syntax refuses a stream that decodes to more than its bound: the page is
        // then not read in full, and the file is refused, the bound named.)
        if hayro_interpret::hayro_syntax::decode_limit_hits() > refused_before {
            stop(LimitHit {
                option: "--max-stream-size",
                what: format!(
                    "reading stopped at page {} of {count}: a compressed stream decodes to more than {} MiB",
                    i + 1,
                    limits.max_stream_bytes >> 20
                ),
            });
        }
        // (A page that names content it cannot give: a stream that does not decode, or
        // contents that are not there.)
        device.page.damaged = if hayro_interpret::hayro_syntax::decode_failures() > failed_before
            || (page.raw().contains_key(b"Contents") && page.page_stream().is_none())
        {
            Some("a stream it draws does not decode, or is missing".into())
        } else if names_a_missing_resource(page) {
            Some("it names a font or form its resources do not have".into())
        } else {
            None
        };
        let (page, missing) = device.finish(Vec2::new(media.x0, media.y0));
        unmapped += missing;
        pages.push(page);
    }
    if pages.is_empty() {
        return Err("not a readable PDF: it has no pages".into());
    }
    // Pages the page tree counts but that could not be found (a damaged page object is
    // left out of the tree silently): stand-ins say so.
    let promised = pdf
        .xref()
        .get::<hayro_interpret::hayro_syntax::object::Dict<'_>>(pdf.xref().root_id())
        .and_then(|catalog| {
            catalog.get::<hayro_interpret::hayro_syntax::object::Dict<'_>>(b"Pages")
        })
        .and_then(|tree| tree.get::<i64>(b"Count"))
        .unwrap_or(0);
    if promised > count as i64 && promised <= limits.max_pages as i64 {
        for n in count + 1..=promised as usize {
            pages.push(Page {
                number: n as u32,
                width: 0.0,
                height: 0.0,
                glyphs: Vec::new(),
                rules: Vec::new(),
                damaged: Some(format!(
                    "the page tree counts {promised} pages but only {count} could be found"
                )),
            });
        }
    }
    Ok((pages, unmapped))
}

//! Opens `report.html` in real headless Chromium and checks that the page renders its plots:
//! every figure's SVG has a real size on the page, every label is typeset with a non-zero box,
//! no two labels in a figure overlap, and the screenshot is not blank where the plots are.
//!
//! Needs Debian's `chromium` (or `MGP_CHROMIUM=/path/to/browser`). Without it the test fails
//! with instructions, unless `MGP_SKIP_BROWSER=1`. Set `MGP_SCREENSHOT_DIR=DIR` to keep the
//! screenshots for a human to look at.

use crate::report_support;

use report_support::{Ending, write_run};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

const WIDTH: u32 = 1400;

/// The browser, or `None` when skipping is explicitly allowed.
fn browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MGP_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
            .find(|p| p.is_file())
    });
    if found.is_none() && std::env::var("MGP_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("skipping: no Chromium and MGP_SKIP_BROWSER=1");
        return None;
    }
    Some(found.unwrap_or_else(|| {
        panic!(
            "headless Chromium is needed to check that report.html renders: install it \
             (`apt-get install -y chromium`), point MGP_CHROMIUM at a browser, or set \
             MGP_SKIP_BROWSER=1 to skip this test"
        )
    }))
}

/// Runs Chromium headless on `url` with `extra` flags; a hung browser is killed after 120 s.
fn chromium(browser: &Path, extra: &[String], url: &str) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("cannot start `timeout`/Chromium");
    assert!(
        output.status.success(),
        "Chromium failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// What the probe script measures in the laid-out page.
#[derive(Debug, Deserialize)]
struct Probe {
    height: f64,
    figures: Vec<ProbedSvg>,
    broken: usize,
}

#[derive(Debug, Deserialize)]
struct ProbedSvg {
    id: String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    texts: usize,
    empty_texts: Vec<String>,
    overlaps: Vec<String>,
}

/// Measures every figure in a copy of the report with this script appended; the report
/// itself has (and needs) no script.
const PROBE: &str = r#"<script>
(function () {
  var out = { height: document.documentElement.scrollHeight, figures: [], broken: 0 };
  out.broken = Array.from(document.querySelectorAll('img, object, embed, iframe')).length;
  document.querySelectorAll('figure').forEach(function (fig) {
    var svg = fig.querySelector('svg');
    if (!svg) { out.broken += 1; return; }
    var r = svg.getBoundingClientRect();
    var texts = Array.from(svg.querySelectorAll('text'))
      .filter(function (t) { return t.textContent.trim().length > 0; });
    var boxes = texts.map(function (t) { return t.getBoundingClientRect(); });
    var empty = [], overlaps = [];
    boxes.forEach(function (b, i) {
      if (b.width < 1 || b.height < 1) empty.push(texts[i].textContent.trim());
      for (var j = 0; j < i; j++) {
        var c = boxes[j];
        // Overlap of the two boxes, shrunk by a pixel: glyph boxes include line spacing.
        var w = Math.min(b.right, c.right) - Math.max(b.left, c.left) - 2;
        var h = Math.min(b.bottom, c.bottom) - Math.max(b.top, c.top) - 2;
        if (w > 0 && h > 0) overlaps.push(texts[j].textContent.trim() + ' / ' + texts[i].textContent.trim());
      }
    });
    out.figures.push({ id: fig.id, x: r.left + window.scrollX, y: r.top + window.scrollY,
      w: r.width, h: r.height, texts: texts.length, empty_texts: empty, overlaps: overlaps });
  });
  var pre = document.createElement('pre');
  pre.id = 'mgp-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"#;

fn probe(browser: &Path, report: &Path) -> Probe {
    let html = std::fs::read_to_string(report).unwrap();
    let probe_page = report.with_file_name("probe.html");
    std::fs::write(
        &probe_page,
        html.replace("</body>", &format!("{PROBE}</body>")),
    )
    .unwrap();
    let url = format!("file://{}", probe_page.display());
    // The same width as the screenshot: the layout (and so every position) depends on it.
    let dom = chromium(
        browser,
        &["--dump-dom".into(), format!("--window-size={WIDTH},1000")],
        &url,
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    let start = dom.find("<pre id=\"mgp-probe\">").unwrap_or_else(|| {
        panic!(
            "the probe did not run; DOM starts: {}",
            &dom[..dom.len().min(400)]
        )
    }) + "<pre id=\"mgp-probe\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

/// A decoded 8-bit RGB(A) PNG (what Chromium writes), enough for pixel statistics.
struct Image {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

fn decode_png(bytes: &[u8]) -> Image {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let (mut pos, mut idat) = (8, Vec::new());
    let (mut width, mut height, mut channels) = (0, 0, 0);
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let body = &bytes[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(body[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(body[4..8].try_into().unwrap()) as usize;
                assert_eq!(body[8], 8, "8-bit PNG expected");
                assert_eq!(body[12], 0, "non-interlaced PNG expected");
                channels = match body[9] {
                    2 => 3,
                    6 => 4,
                    other => panic!("PNG colour type {other} not handled"),
                };
            }
            b"IDAT" => idat.extend_from_slice(body),
            _ => {}
        }
        pos += 12 + len;
    }
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).expect("corrupt PNG data");
    let stride = width * channels;
    let mut pixels = vec![0u8; stride * height];
    for y in 0..height {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels {
                pixels[y * stride + x - channels]
            } else {
                0
            };
            let b = if y > 0 {
                pixels[(y - 1) * stride + x]
            } else {
                0
            };
            let c = if x >= channels && y > 0 {
                pixels[(y - 1) * stride + x - channels]
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                other => panic!("PNG filter {other}"),
            };
            pixels[y * stride + x] = line[x].wrapping_add(predicted);
        }
    }
    Image {
        width,
        height,
        channels,
        pixels,
    }
}

/// Distinct colours and the share of non-white pixels inside a rectangle.
fn region_stats(image: &Image, x: f64, y: f64, w: f64, h: f64) -> (usize, f64) {
    let (x0, y0) = (x.max(0.0) as usize, y.max(0.0) as usize);
    let x1 = ((x + w) as usize).min(image.width);
    let y1 = ((y + h) as usize).min(image.height);
    let mut colours = std::collections::HashSet::new();
    let (mut ink, mut total) = (0usize, 0usize);
    for yy in y0..y1 {
        for xx in x0..x1 {
            let i = (yy * image.width + xx) * image.channels;
            let rgb = (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]);
            colours.insert(rgb);
            total += 1;
            if rgb.0 < 235 || rgb.1 < 235 || rgb.2 < 235 {
                ink += 1;
            }
        }
    }
    (colours.len(), ink as f64 / total.max(1) as f64)
}

fn check_renders(name: &str, ending: Ending, analysis: bool) {
    let Some(browser) = browser() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, ending, analysis);
    let summary = mgp::report::write_report(&dir).unwrap();

    let probe = probe(&browser, &summary.report);
    assert_eq!(probe.broken, 0, "broken or external elements");
    assert_eq!(
        probe.figures.len(),
        summary.plots.len(),
        "one rendered SVG per plot"
    );
    for fig in &probe.figures {
        assert!(
            fig.w >= 400.0 && fig.h >= 150.0,
            "{} is {}×{} px",
            fig.id,
            fig.w,
            fig.h
        );
        assert!(fig.texts >= 5, "{} has {} labels", fig.id, fig.texts);
        assert!(
            fig.empty_texts.is_empty(),
            "{}: labels not typeset: {:?}",
            fig.id,
            fig.empty_texts
        );
        assert!(
            fig.overlaps.is_empty(),
            "{}: overlapping labels: {:?}",
            fig.id,
            fig.overlaps
        );
    }

    // A window as tall as the page, so every plot is in the screenshot.
    let height = (probe.height.ceil() as u32 + 20).min(16_000);
    let shot = tmp.path().join(format!("{name}.png"));
    chromium(
        &browser,
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size={WIDTH},{height}"),
        ],
        &format!("file://{}", summary.report.display()),
    );
    let bytes = std::fs::read(&shot).expect("Chromium wrote no screenshot");
    if let Some(keep) = std::env::var_os("MGP_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(Path::new(&keep).join(format!("{name}.png")), &bytes).unwrap();
    }
    let image = decode_png(&bytes);
    assert_eq!(image.width, WIDTH as usize);
    for fig in &probe.figures {
        assert!(
            fig.y + fig.h <= image.height as f64,
            "{} is below the screenshot",
            fig.id
        );
        let (colours, ink) = region_stats(&image, fig.x, fig.y, fig.w, fig.h);
        assert!(
            colours >= 8 && ink >= 0.02,
            "{} looks blank: {colours} colours, {:.1} % ink",
            fig.id,
            ink * 100.0
        );
    }
    // And outside the plots the page is not one colour either (the text rendered).
    let (colours, _) = region_stats(&image, 0.0, 0.0, f64::from(WIDTH), 200.0);
    assert!(colours >= 8, "the page header looks blank");
}

#[test]
fn completed_report_renders_in_chromium() {
    check_renders("completed", Ending::Completed, true);
}

#[test]
fn failed_report_renders_in_chromium() {
    check_renders("failed", Ending::Failed, true);
}

#[test]
fn interrupted_report_without_analysis_renders_in_chromium() {
    check_renders("killed", Ending::Killed, false);
}

/// The checks above can fail: a page with overlapping labels, an untypeset label and a blank
/// plot is caught by the same probe and pixel statistics.
#[test]
fn the_probe_catches_overlaps_and_blank_plots() {
    let Some(browser) = browser() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    let svg = |body: &str| {
        format!(
            "<svg width=\"400\" height=\"200\" xmlns=\"http://www.w3.org/2000/svg\">{body}</svg>"
        )
    };
    let html = format!(
        "<!DOCTYPE html><html><body>\
         <figure id=\"fig-overlap\">{}</figure>\
         <figure id=\"fig-blank\">{}</figure></body></html>",
        svg(
            "<text x=\"10\" y=\"50\" font-size=\"20\">overlapping label</text>\
             <text x=\"30\" y=\"55\" font-size=\"20\">another label</text>\
             <text x=\"10\" y=\"150\" font-size=\"0\">invisible</text>"
        ),
        svg("<rect width=\"400\" height=\"200\" fill=\"#ffffff\"/>"),
    );
    std::fs::write(&page, html).unwrap();
    let probe = probe(&browser, &page);
    assert_eq!(probe.figures.len(), 2);
    assert_eq!(
        probe.figures[0].overlaps,
        ["overlapping label / another label"]
    );
    assert_eq!(probe.figures[0].empty_texts, ["invisible"]);
    let shot = tmp.path().join("shot.png");
    chromium(
        &browser,
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size={WIDTH},600"),
        ],
        &format!("file://{}", page.display()),
    );
    let image = decode_png(&std::fs::read(&shot).unwrap());
    let blank = &probe.figures[1];
    let (colours, ink) = region_stats(&image, blank.x, blank.y, blank.w, blank.h);
    assert!(colours < 8 && ink < 0.02, "{colours} colours, {ink} ink");
    let text = &probe.figures[0];
    let (colours, _) = region_stats(&image, text.x, text.y, text.w, text.h);
    assert!(colours >= 8, "text should leave antialiased pixels");
}

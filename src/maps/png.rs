//! `map.png`: the SVG map rendered by resvg, with the DejaVu Sans fonts compiled in (a fresh machine may
//! have no fonts at all, and the picture must not depend on which it has).

use crate::error::{Error, Result};
use resvg::{tiny_skia, usvg};

const SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Pixels per SVG unit: 1.5 makes labels and symbols crisp on a projector and on paper.
pub(crate) const ZOOM: f32 = 1.5;

/// Renders SVG text to PNG bytes at [`ZOOM`].
pub fn png(svg: &str) -> Result<Vec<u8>> {
    let mut options = usvg::Options {
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    };
    let fonts = options.fontdb_mut();
    fonts.load_font_data(SANS.to_vec());
    fonts.load_font_data(SANS_BOLD.to_vec());
    fonts.set_sans_serif_family("DejaVu Sans");
    let tree = usvg::Tree::from_str(svg, &options)
        .map_err(|e| Error::Internal(format!("the map's SVG does not parse: {e}")))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(ZOOM)
        .ok_or_else(|| Error::Internal("the map's size cannot be scaled".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| Error::Internal("the map is too large to render".into()))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(ZOOM, ZOOM),
        &mut pixmap.as_mut(),
    );
    encode(&pixmap).map_err(|e| Error::Internal(format!("cannot encode the map as PNG: {e}")))
}

/// PNG bytes of a rendered map, with the png crate's fast compression (fdeflate, tuned for PNG): a map of
/// flat colour areas compresses well at that setting, in a fraction of the default's time.
fn encode(pixmap: &tiny_skia::Pixmap) -> std::result::Result<Vec<u8>, png::EncodingError> {
    // tiny-skia keeps premultiplied alpha; PNG stores straight alpha.
    let mut data = Vec::with_capacity(pixmap.data().len());
    for p in pixmap.pixels() {
        let c = p.demultiply();
        data.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.write_header()?.write_image_data(&data)?;
    Ok(out)
}

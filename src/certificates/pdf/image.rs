//! Organisation images (logo, scanned signature), checked and prepared once so a cached
//! [`DocumentImage`] can go into any number of certificates at the cost of a memcpy.

use std::io::Cursor;

use image::{DynamicImage, GenericImageView, ImageFormat, ImageReader, Limits};

use super::text::deflate;
use crate::i18n::Text;

/// Largest upload accepted.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// Largest width or height accepted, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 4000;

/// Pixels kept after preparing: a logo prints at most about 70 × 25 mm, a signature about
/// 70 × 20 mm; at 300 dpi that is under 830 × 300 px. More would only bloat every PDF.
const KEEP_MAX_W: u32 = 900;
const KEEP_MAX_H: u32 = 400;

/// Why an image cannot go on a certificate.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The file is not a usable image; the sentence is for the person who uploaded it.
    #[error("{0}")]
    Refused(Text),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

fn refused(key: &'static str) -> ImageError {
    ImageError::Refused(Text::key(key))
}

/// An image ready to be placed on a certificate: decoded, scaled down to print
/// resolution and compressed for PDF, once.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentImage {
    width: u32,
    height: u32,
    data: ImageData,
}

#[derive(Clone, PartialEq, Eq)]
pub(super) enum ImageData {
    /// Baseline JPEG (DCTDecode); photographs and scans stay small this way.
    Jpeg { bytes: Vec<u8>, grey: bool },
    /// Deflated 8-bit samples, with an optional deflated alpha channel (soft mask).
    Flate { samples: Vec<u8>, grey: bool, alpha: Option<Vec<u8>> },
}

impl std::fmt::Debug for DocumentImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, bytes) = match &self.data {
            ImageData::Jpeg { bytes, .. } => ("jpeg", bytes.len()),
            ImageData::Flate { samples, alpha, .. } => {
                ("flate", samples.len() + alpha.as_ref().map_or(0, Vec::len))
            }
        };
        write!(f, "DocumentImage({}×{} px, {kind}, {bytes} bytes)", self.width, self.height)
    }
}

impl DocumentImage {
    /// Accepts a PNG or JPEG file of at most 2 MB and 4000 px per side. A refusal says
    /// why to the person who uploaded the file.
    pub fn from_bytes(bytes: &[u8]) -> Result<DocumentImage, ImageError> {
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(refused("error.image.too_large"));
        }
        // Decide by content, not by a file name or a client's content type.
        let format = match image::guess_format(bytes) {
            Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg)) => f,
            _ => return Err(refused("error.image.format")),
        };
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        let (w, h) = reader.into_dimensions().map_err(|_| refused("error.image.unreadable"))?;
        if w == 0 || h == 0 {
            return Err(refused("error.image.empty"));
        }
        if w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE {
            return Err(ImageError::Refused(
                Text::key("error.image.too_many_pixels")
                    .arg("width", w)
                    .arg("height", h)
                    .arg("max", MAX_IMAGE_SIDE),
            ));
        }
        reader = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_IMAGE_SIDE);
        limits.max_image_height = Some(MAX_IMAGE_SIDE);
        limits.max_alloc = Some(256 * 1024 * 1024);
        reader.limits(limits);
        let decoded = reader.decode().map_err(|_| refused("error.image.unreadable"))?;
        Ok(Self::prepare(decoded, format == ImageFormat::Jpeg)?)
    }

    fn prepare(img: DynamicImage, jpeg: bool) -> anyhow::Result<Self> {
        let (w, h) = img.dimensions();
        let img = if w > KEEP_MAX_W || h > KEEP_MAX_H {
            img.resize(KEEP_MAX_W, KEEP_MAX_H, image::imageops::FilterType::Triangle)
        } else {
            img
        };
        let (width, height) = img.dimensions();
        let grey = !img.color().has_color() || is_grey(&img);
        let data = if jpeg {
            let mut out = Vec::new();
            let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88);
            if grey {
                enc.encode_image(&img.to_luma8())?;
            } else {
                enc.encode_image(&img.to_rgb8())?;
            }
            ImageData::Jpeg { bytes: out, grey }
        } else {
            let alpha = if img.color().has_alpha() {
                let a: Vec<u8> = img.to_rgba8().pixels().map(|p| p.0[3]).collect();
                // A fully opaque alpha channel only costs bytes.
                if a.iter().all(|&v| v == 255) {
                    None
                } else {
                    Some(deflate(&a, flate2::Compression::best())?)
                }
            } else {
                None
            };
            let raw = if grey { img.to_luma8().into_raw() } else { img.to_rgb8().into_raw() };
            ImageData::Flate { samples: deflate(&raw, flate2::Compression::best())?, grey, alpha }
        };
        Ok(Self { width, height, data })
    }

    /// Width and height in pixels after preparing.
    pub fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Bytes this image adds to each PDF.
    pub fn embedded_bytes(&self) -> usize {
        match &self.data {
            ImageData::Jpeg { bytes, .. } => bytes.len(),
            ImageData::Flate { samples, alpha, .. } => {
                samples.len() + alpha.as_ref().map_or(0, Vec::len)
            }
        }
    }

    /// Adds the image (and its soft mask) to `doc`, returning the image's object id.
    pub(super) fn add_to(&self, doc: &mut lopdf::Document) -> lopdf::ObjectId {
        use lopdf::{Dictionary, Object, Stream};
        let base = |grey: bool, filter: &str| {
            Dictionary::from_iter(vec![
                ("Type", Object::Name(b"XObject".to_vec())),
                ("Subtype", Object::Name(b"Image".to_vec())),
                ("Width", Object::Integer(i64::from(self.width))),
                ("Height", Object::Integer(i64::from(self.height))),
                (
                    "ColorSpace",
                    Object::Name(if grey { b"DeviceGray".to_vec() } else { b"DeviceRGB".to_vec() }),
                ),
                ("BitsPerComponent", Object::Integer(8)),
                ("Filter", Object::Name(filter.as_bytes().to_vec())),
            ])
        };
        // Streams already carry their filter, so the final compression pass skips them.
        let stream = |dict: Dictionary, bytes: &[u8]| {
            Object::Stream(Stream::new(dict, bytes.to_vec()).with_compression(false))
        };
        match &self.data {
            ImageData::Jpeg { bytes, grey } => {
                doc.add_object(stream(base(*grey, "DCTDecode"), bytes))
            }
            ImageData::Flate { samples, grey, alpha } => {
                let mut dict = base(*grey, "FlateDecode");
                if let Some(alpha) = alpha {
                    let mask = doc.add_object(stream(base(true, "FlateDecode"), alpha));
                    dict.set("SMask", Object::Reference(mask));
                }
                doc.add_object(stream(dict, samples))
            }
        }
    }
}

/// Colour images that are really grey (a scanned signature saved as RGB) embed at a third
/// of the size as DeviceGray.
fn is_grey(img: &DynamicImage) -> bool {
    match img {
        DynamicImage::ImageRgb8(buf) => buf.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]),
        DynamicImage::ImageRgba8(buf) => buf.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]),
        _ => false,
    }
}

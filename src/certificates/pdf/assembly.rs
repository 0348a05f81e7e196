//! Turning drawn pages into the PDF file.
//!
//! printpdf builds the document structure and the content streams; fonts (cached subsets,
//! see [`super::text`]), images, the document language and the final compression are
//! filled in on the lopdf level, which is where the milliseconds went.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context};
use lopdf::{Object, ObjectId};
use printpdf::{
    FontId, Mm, OffsetDateTime, PdfDocument, PdfFont, PdfPage, PdfParseErrorSeverity,
    PdfSaveOptions,
};

use super::drawing::{PageContent, Painter, PAGE_H_MM, PAGE_W_MM};
use super::image::DocumentImage;
use super::tagged::{self, DocumentInfo};
use super::text::{self, FaceId, Fonts, Subset};

/// The document language (PDF `/Lang`): the certificate is a German document; the
/// translated line is a courtesy.
const DOCUMENT_LANG: &str = "de-DE";

/// Document properties.
pub(super) struct Meta<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub subject: &'a str,
    pub date: Option<OffsetDateTime>,
}

/// Builds and serialises the document: printpdf turns the page operations into content
/// streams and font dictionaries; fonts, images, language and compression are then
/// settled on the lopdf level. `images` are the XObjects the pages name (`Im1`, ...).
pub(super) fn finish(
    fonts: &Fonts, p: Painter<'_>, mut pages: Vec<PageContent>, meta: &Meta<'_>,
    images: &[(String, Arc<DocumentImage>)],
) -> anyhow::Result<Vec<u8>> {
    let mut pdf = PdfDocument::new(meta.title);
    let subsets = add_fonts(fonts, &p, &mut pdf)?;
    set_info(&mut pdf, meta);
    pdf.with_pages(
        pages
            .iter_mut()
            .map(|page| PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), std::mem::take(&mut page.ops)))
            .collect(),
    );

    let opts = PdfSaveOptions {
        optimize: false,
        // The fonts added above are subsets already.
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = printpdf::to_lopdf_doc(&pdf, &opts, &mut warnings);
    if let Some(w) = warnings.iter().find(|w| w.severity == PdfParseErrorSeverity::Error) {
        bail!("PDF serialisation failed: {}", w.msg);
    }
    let all_subsets: Vec<&Subset> =
        subsets.iter().map(Arc::as_ref).chain(p.arabic_subset()).collect();
    let raw: Vec<&[u8]> = pages.iter().map(|page| page.raw.as_slice()).collect();
    finish_lopdf(&mut lo, &all_subsets, images, &raw)?;
    let info = DocumentInfo {
        title: meta.title,
        lang: DOCUMENT_LANG,
        author: meta.author,
        subject: meta.subject,
    };
    tagged::write(&mut lo, p.structure(), &info).context("structure tree")?;
    compress_streams(&mut lo)?;
    let mut out = Vec::with_capacity(48 * 1024);
    lo.save_to(&mut out).context("writing the PDF")?;
    Ok(out)
}

/// The regular and bold subsets for the characters the pages use, and the Arabic one the
/// painter printed with; returns the subsets made here.
fn add_fonts(
    fonts: &Fonts, p: &Painter<'_>, pdf: &mut PdfDocument,
) -> anyhow::Result<Vec<Arc<Subset>>> {
    let mut subsets: Vec<Arc<Subset>> = Vec::new();
    for face in [FaceId::Regular, FaceId::Bold, FaceId::Ethiopic] {
        let Some(used) = p.used_chars(face).filter(|u| !u.is_empty()) else {
            continue;
        };
        let gids = fonts.glyphs_for(face, used);
        let subset = fonts.subset(face, gids)?;
        pdf.resources
            .fonts
            .map
            .insert(FontId(face.resource_name().to_string()), PdfFont::new(subset.font.clone()));
        subsets.push(subset);
    }
    if let Some(arabic) = p.arabic_subset() {
        pdf.resources.fonts.map.insert(
            FontId(FaceId::Arabic.resource_name().to_string()),
            PdfFont::new(arabic.font.clone()),
        );
    }
    Ok(subsets)
}

fn set_info(pdf: &mut PdfDocument, meta: &Meta<'_>) {
    let info = &mut pdf.metadata.info;
    info.author = meta.author.to_string();
    info.creator = meta.author.to_string();
    info.producer = "mietschulung".to_string();
    info.subject = meta.subject.to_string();
    if let Some(date) = meta.date {
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
    }
}

/// Post-processing on the object level: content written directly, cached font programs,
/// subset names, images.
fn finish_lopdf(
    doc: &mut lopdf::Document, subsets: &[&Subset], images: &[(String, Arc<DocumentImage>)],
    raw: &[&[u8]],
) -> anyhow::Result<()> {
    append_raw_content(doc, raw)?;
    let programs = swap_font_programs(doc, subsets);
    tag_subset_names(doc, subsets, &programs);
    if !images.is_empty() {
        add_images(doc, images)?;
    }
    Ok(())
}

/// Content written directly (the QR codes) goes after what printpdf wrote; printpdf
/// leaves the graphics state balanced, and the raw part saves and restores its own.
fn append_raw_content(doc: &mut lopdf::Document, raw: &[&[u8]]) -> anyhow::Result<()> {
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    for (page, extra) in pages.iter().zip(raw) {
        if extra.is_empty() {
            continue;
        }
        let contents = doc.get_dictionary(*page)?.get(b"Contents")?.as_reference()?;
        let stream = doc
            .get_object_mut(contents)?
            .as_stream_mut()
            .map_err(|e| anyhow!("page content is not a stream: {e}"))?;
        let mut content = std::mem::take(&mut stream.content);
        content.push(b'\n');
        content.extend_from_slice(extra);
        stream.set_content(content);
    }
    Ok(())
}

/// Font programs: printpdf copied each subset's bytes into a stream; swap in the deflated
/// copy made when the subset was cached. Returns which subset each program stream holds.
fn swap_font_programs(doc: &mut lopdf::Document, subsets: &[&Subset]) -> HashMap<ObjectId, usize> {
    let mut programs: HashMap<ObjectId, usize> = HashMap::new();
    for (id, obj) in doc.objects.iter_mut() {
        let Object::Stream(stream) = obj else {
            continue;
        };
        if !stream.dict.has(b"Length1") {
            continue;
        }
        if let Some(i) = subsets.iter().position(|s| s.program == stream.content) {
            programs.insert(*id, i);
            stream.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            stream.set_content(subsets[i].program_deflated.clone());
        }
    }
    programs
}

/// Prefixes each embedded font's name with its subset tag (`ABCDEF+NotoSans-Regular`),
/// in the font descriptor and the font dictionaries alike.
fn tag_subset_names(
    doc: &mut lopdf::Document, subsets: &[&Subset], programs: &HashMap<ObjectId, usize>,
) {
    let mut renamed: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    for obj in doc.objects.values() {
        let Object::Dictionary(dict) = obj else {
            continue;
        };
        let (Ok(name), Ok(file)) = (dict.get(b"FontName"), dict.get(b"FontFile2")) else {
            continue;
        };
        let (Ok(name), Ok(file)) = (name.as_name(), file.as_reference()) else {
            continue;
        };
        if let Some(&i) = programs.get(&file) {
            let mut tagged = format!("{}+", subsets[i].tag).into_bytes();
            tagged.extend_from_slice(name);
            renamed.insert(name.to_vec(), tagged);
        }
    }
    for obj in doc.objects.values_mut() {
        let Object::Dictionary(dict) = obj else {
            continue;
        };
        for key in [b"FontName".as_slice(), b"BaseFont".as_slice()] {
            let new = match dict.get(key).and_then(Object::as_name) {
                Ok(old) => renamed.get(old).cloned(),
                Err(_) => None,
            };
            if let Some(new) = new {
                dict.set(key, Object::Name(new));
            }
        }
    }
}

/// Images: printpdf wrote `/ImN Do` into the content; the XObjects go into the shared
/// resource dictionary all pages point at.
fn add_images(
    doc: &mut lopdf::Document, images: &[(String, Arc<DocumentImage>)],
) -> anyhow::Result<()> {
    let image_ids: Vec<(String, ObjectId)> =
        images.iter().map(|(name, img)| (name.clone(), img.add_to(doc))).collect();
    let first_page = doc
        .get_pages()
        .values()
        .next()
        .copied()
        .ok_or_else(|| anyhow!("document without pages"))?;
    let resources = doc.get_dictionary(first_page)?.get(b"Resources")?.as_reference()?;
    let xobjects = doc.get_dictionary(resources)?.get(b"XObject")?.as_reference()?;
    let dict = doc.get_dictionary_mut(xobjects)?;
    for (name, id) in image_ids {
        dict.set(name.as_bytes(), Object::Reference(id));
    }
    Ok(())
}

/// Level 2 instead of lopdf's 9: the fonts and images (most of the bytes) are compressed
/// once when cached; for the page content the fast levels cost about a kilobyte per file
/// and save most of the compression time.
fn compress_streams(doc: &mut lopdf::Document) -> anyhow::Result<()> {
    for obj in doc.objects.values_mut() {
        let Object::Stream(stream) = obj else {
            continue;
        };
        if stream.allows_compression && !stream.dict.has(b"Filter") {
            let packed = text::deflate(&stream.content, flate2::Compression::new(2))?;
            if packed.len() < stream.content.len() {
                stream.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
                stream.set_content(packed);
            }
        }
    }
    Ok(())
}

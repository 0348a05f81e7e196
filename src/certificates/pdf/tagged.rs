//! Tagged PDF (PDF/UA-1 intent): the logical structure a screen reader follows.
//!
//! While a page is drawn, the painter opens and closes structure elements
//! ([`Structure::open`]) and wraps every text run and the QR code in marked content with a
//! marked-content id ([`Structure::mark`]); lines and images that repeat what the text says
//! are artifacts. printpdf writes the marked-content operators into the content streams;
//! printpdf has no structure tree, so [`write`] adds it on the lopdf level: the
//! `StructTreeRoot` with its elements, the `ParentTree` from each page's ids back to their
//! elements, `/StructParents` on the pages, `/MarkInfo`, the document language, the title
//! shown by viewers and the XMP metadata that claims PDF/UA-1.

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

/// The standard structure types the certificate uses (ISO 32000-1, 14.8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Document,
    H1,
    H2,
    H3,
    P,
    L,
    LI,
    Lbl,
    LBody,
    Table,
    TR,
    TH,
    TD,
    Figure,
}

impl Role {
    pub(super) fn name(self) -> &'static str {
        match self {
            Role::Document => "Document",
            Role::H1 => "H1",
            Role::H2 => "H2",
            Role::H3 => "H3",
            Role::P => "P",
            Role::L => "L",
            Role::LI => "LI",
            Role::Lbl => "Lbl",
            Role::LBody => "LBody",
            Role::Table => "Table",
            Role::TR => "TR",
            Role::TH => "TH",
            Role::TD => "TD",
            Role::Figure => "Figure",
        }
    }

    /// Elements that only hold other elements; content drawn directly inside them gets a
    /// paragraph of its own, so no text is ever left outside the structure.
    fn groups_only(self) -> bool {
        matches!(self, Role::Document | Role::L | Role::LI | Role::Table | Role::TR)
    }
}

#[derive(Debug)]
enum Kid {
    Element(usize),
    /// Marked content `mcid` on page `page` (0-based, in drawing order).
    Content {
        page: usize,
        mcid: i64,
    },
}

#[derive(Debug)]
struct Element {
    role: Role,
    parent: usize,
    kids: Vec<Kid>,
    alt: Option<String>,
    lang: Option<String>,
    /// Layout bounding box in PDF points (left, bottom, right, top), for figures.
    bbox: Option<[f32; 4]>,
}

/// The structure of one document as it is drawn.
#[derive(Debug)]
pub(super) struct Structure {
    elements: Vec<Element>,
    open: Vec<usize>,
    page: usize,
    next_mcid: i64,
}

impl Default for Structure {
    fn default() -> Self {
        Self::new()
    }
}

impl Structure {
    pub(super) fn new() -> Self {
        let root = Element {
            role: Role::Document,
            parent: 0,
            kids: Vec::new(),
            alt: None,
            lang: None,
            bbox: None,
        };
        Self { elements: vec![root], open: vec![0], page: 0, next_mcid: 0 }
    }

    fn current(&self) -> usize {
        self.open.last().copied().unwrap_or(0)
    }

    /// Opens an element inside the current one; [`close`](Self::close) ends it.
    pub(super) fn open(&mut self, role: Role) {
        let parent = self.current();
        let id = self.elements.len();
        self.elements.push(Element {
            role,
            parent,
            kids: Vec::new(),
            alt: None,
            lang: None,
            bbox: None,
        });
        self.elements[parent].kids.push(Kid::Element(id));
        self.open.push(id);
    }

    /// Opens an element whose text is in another language than the document (`/Lang`).
    pub(super) fn open_lang(&mut self, role: Role, lang: &str) {
        self.open(role);
        let id = self.current();
        self.elements[id].lang = Some(lang.to_string());
    }

    /// Opens a figure with its alternative text and where it sits on the page.
    pub(super) fn open_figure(&mut self, alt: &str, bbox: [f32; 4]) {
        self.open(Role::Figure);
        let id = self.current();
        self.elements[id].alt = Some(alt.to_string());
        self.elements[id].bbox = Some(bbox);
    }

    /// Closes the innermost open element (never the document itself).
    pub(super) fn close(&mut self) {
        if self.open.len() > 1 {
            self.open.pop();
        }
    }

    /// A marked-content id for the next content of this page, owned by the innermost
    /// open element; returns the tag to mark it with and the id.
    pub(super) fn mark(&mut self) -> (&'static str, i64) {
        let wrap = self.elements[self.current()].role.groups_only();
        if wrap {
            self.open(Role::P);
        }
        let id = self.current();
        let mcid = self.next_mcid;
        self.next_mcid += 1;
        self.elements[id].kids.push(Kid::Content { page: self.page, mcid });
        let tag = self.elements[id].role.name();
        if wrap {
            self.close();
        }
        (tag, mcid)
    }

    /// The next page starts; its marked-content ids count from 0 again.
    pub(super) fn next_page(&mut self) {
        self.page += 1;
        self.next_mcid = 0;
        self.open.truncate(1);
    }
}

/// What the catalog and XMP metadata say about the document.
pub(super) struct DocumentInfo<'a> {
    pub title: &'a str,
    pub lang: &'a str,
    pub author: &'a str,
    pub subject: &'a str,
}

/// Adds the structure tree, the parent tree, the marked flag, the language, the title
/// display preference and the XMP metadata to `doc`, whose pages were drawn with
/// `structure`.
pub(super) fn write(
    doc: &mut lopdf::Document, structure: &Structure, info: &DocumentInfo<'_>,
) -> anyhow::Result<()> {
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    let root_id = doc.new_object_id();
    // Every element gets its object id first, so parents and kids can point at each other.
    let ids: Vec<ObjectId> = structure.elements.iter().map(|_| doc.new_object_id()).collect();
    let mut parent_tree: Vec<Vec<(i64, ObjectId)>> = vec![Vec::new(); pages.len()];
    for (i, element) in structure.elements.iter().enumerate() {
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"StructElem".to_vec()));
        dict.set("S", Object::Name(element.role.name().as_bytes().to_vec()));
        dict.set("P", Object::Reference(if i == 0 { root_id } else { ids[element.parent] }));
        // An element's `/Pg` is the page of its first content; content on another page is
        // named by a marked-content reference with its own page.
        let home = element.kids.iter().find_map(|k| match k {
            Kid::Content { page, .. } => Some(*page),
            Kid::Element(_) => None,
        });
        if let Some(page) = home {
            let page_id = *pages.get(page).ok_or_else(|| {
                anyhow::anyhow!("marked content on page {page}, which is missing")
            })?;
            dict.set("Pg", Object::Reference(page_id));
        }
        let mut kids = Vec::with_capacity(element.kids.len());
        for kid in &element.kids {
            match kid {
                Kid::Element(k) => kids.push(Object::Reference(ids[*k])),
                Kid::Content { page, mcid } => {
                    parent_tree[*page].push((*mcid, ids[i]));
                    if Some(*page) == home {
                        kids.push(Object::Integer(*mcid));
                    } else {
                        let mut mcr = Dictionary::new();
                        mcr.set("Type", Object::Name(b"MCR".to_vec()));
                        mcr.set("Pg", Object::Reference(pages[*page]));
                        mcr.set("MCID", Object::Integer(*mcid));
                        kids.push(Object::Dictionary(mcr));
                    }
                }
            }
        }
        dict.set("K", Object::Array(kids));
        if let Some(alt) = &element.alt {
            dict.set("Alt", text_string(alt));
        }
        if let Some(lang) = &element.lang {
            dict.set("Lang", text_string(lang));
        }
        if let Some(bbox) = element.bbox {
            let mut attrs = Dictionary::new();
            attrs.set("O", Object::Name(b"Layout".to_vec()));
            attrs.set("BBox", Object::Array(bbox.iter().map(|v| Object::Real(*v)).collect()));
            dict.set("A", Object::Dictionary(attrs));
        }
        if element.role == Role::TH {
            let mut attrs = Dictionary::new();
            attrs.set("O", Object::Name(b"Table".to_vec()));
            attrs.set("Scope", Object::Name(b"Column".to_vec()));
            dict.set("A", Object::Dictionary(attrs));
        }
        doc.objects.insert(ids[i], Object::Dictionary(dict));
    }

    let mut nums = Vec::new();
    for (page, (page_id, entries)) in pages.iter().zip(&mut parent_tree).enumerate() {
        entries.sort_by_key(|(mcid, _)| *mcid);
        // The parent tree's array for a page is indexed by marked-content id.
        let refs = entries.iter().map(|(_, id)| Object::Reference(*id)).collect();
        let array = doc.add_object(Object::Array(refs));
        nums.push(Object::Integer(page as i64));
        nums.push(Object::Reference(array));
        let page_dict = doc.get_dictionary_mut(*page_id)?;
        page_dict.set("StructParents", Object::Integer(page as i64));
        // Tab order follows the structure (PDF/UA-1, 7.18.3).
        page_dict.set("Tabs", Object::Name(b"S".to_vec()));
    }
    let mut tree = Dictionary::new();
    tree.set("Nums", Object::Array(nums));
    let tree_id = doc.add_object(Object::Dictionary(tree));

    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"StructTreeRoot".to_vec()));
    root.set("K", Object::Reference(ids[0]));
    root.set("ParentTree", Object::Reference(tree_id));
    root.set("ParentTreeNextKey", Object::Integer(pages.len() as i64));
    doc.objects.insert(root_id, Object::Dictionary(root));

    let metadata = xmp_stream(info);
    let metadata_id = doc.add_object(metadata);
    let catalog = doc.catalog_mut()?;
    catalog.set("StructTreeRoot", Object::Reference(root_id));
    let mut mark_info = Dictionary::new();
    mark_info.set("Marked", Object::Boolean(true));
    catalog.set("MarkInfo", Object::Dictionary(mark_info));
    catalog.set("Lang", text_string(info.lang));
    let mut prefs = Dictionary::new();
    prefs.set("DisplayDocTitle", Object::Boolean(true));
    catalog.set("ViewerPreferences", Object::Dictionary(prefs));
    catalog.set("Metadata", Object::Reference(metadata_id));
    set_info_title(doc, info.title);
    Ok(())
}

/// A PDF text string: PDFDocEncoding is not UTF-8, so anything beyond ASCII goes as
/// UTF-16BE with its byte order mark.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        return Object::String(s.as_bytes().to_vec(), StringFormat::Literal);
    }
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// The document information dictionary's `/Title`, which printpdf may leave out or write
/// in another encoding.
fn set_info_title(doc: &mut lopdf::Document, title: &str) {
    let info = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
    let info = match info {
        Some(id) => id,
        None => {
            let id = doc.add_object(Object::Dictionary(Dictionary::new()));
            doc.trailer.set("Info", Object::Reference(id));
            id
        }
    };
    if let Ok(dict) = doc.get_dictionary_mut(info) {
        dict.set("Title", text_string(title));
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// XMP metadata with title, author, subject, language and the PDF/UA-1 claim; left
/// uncompressed so tools that do not parse PDF still find it (XMP's own rule).
fn xmp_stream(info: &DocumentInfo<'_>) -> Stream {
    let (title, author, subject, lang) = (
        xml_escape(info.title),
        xml_escape(info.author),
        xml_escape(info.subject),
        xml_escape(info.lang),
    );
    let xml = format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
<pdf:Producer>mietschulung</pdf:Producer>
<pdfuaid:part>1</pdfuaid:part>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
    );
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"Metadata".to_vec()));
    dict.set("Subtype", Object::Name(b"XML".to_vec()));
    Stream::new(dict, xml.into_bytes()).with_compression(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_in_a_grouping_element_gets_a_paragraph() {
        let mut s = Structure::new();
        assert_eq!(s.mark(), ("P", 0));
        s.open(Role::Table);
        s.open(Role::TR);
        s.open(Role::TH);
        assert_eq!(s.mark(), ("TH", 1));
        s.close();
        s.close();
        assert_eq!(s.mark(), ("P", 2));
        s.close();
        s.next_page();
        assert_eq!(s.mark(), ("P", 0));
        // Document, P, Table, TR, TH, P (in the table), P (page 2).
        let roles: Vec<Role> = s.elements.iter().map(|e| e.role).collect();
        assert_eq!(
            roles,
            [Role::Document, Role::P, Role::Table, Role::TR, Role::TH, Role::P, Role::P]
        );
    }

    #[test]
    fn close_never_closes_the_document() {
        let mut s = Structure::new();
        s.close();
        s.close();
        s.open(Role::H1);
        assert_eq!(s.mark().0, "H1");
    }

    #[test]
    fn text_strings_outside_ascii_are_utf16() {
        assert_eq!(text_string("de-DE"), Object::String(b"de-DE".to_vec(), StringFormat::Literal));
        let Object::String(bytes, StringFormat::Hexadecimal) = text_string("ä") else {
            panic!("not hex");
        };
        assert_eq!(bytes, [0xFE, 0xFF, 0x00, 0xE4]);
    }

    #[test]
    fn xmp_claims_pdfua_and_escapes() {
        let info = DocumentInfo { title: "A & <B>", lang: "de-DE", author: "X", subject: "" };
        let xml = String::from_utf8(xmp_stream(&info).content).unwrap();
        assert!(xml.contains("<pdfuaid:part>1</pdfuaid:part>"));
        assert!(xml.contains("A &amp; &lt;B&gt;"));
    }
}

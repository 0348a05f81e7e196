//! The certificate as an accessible document: its structure tree read back with lopdf,
//! and a certificate in every script the participants read, checked with poppler, qpdf
//! and zbar like the other certificate tests.

// In a `#[cfg(test)]` module of its own, which is how `it::words` knows it is a test.
#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::process::Command;

    use lopdf::{Dictionary, Document, Object, ObjectId};

    use crate::certificates::pdf::tests::{
        assert_all_text_inside_page, normalise, pdftotext_args, qpdf_check, sample,
        scan_pdf_at_100_and_150_dpi, tool, write_temp,
    };
    use crate::certificates::pdf::*;

    /// What the structure tree says, gathered by walking it from the root.
    #[derive(Default)]
    struct Tree {
        /// (page, marked-content id) → the element that owns it.
        owners: HashMap<(ObjectId, i64), ObjectId>,
        /// Structure types in reading order.
        roles: Vec<String>,
        /// Alternative texts of the figures (`None`: a figure without one).
        figures: Vec<Option<String>>,
        /// Every table: its rows, each row the types of its cells.
        tables: Vec<Vec<Vec<String>>>,
        /// `/Lang` of elements.
        langs: Vec<String>,
    }

    fn name(obj: &Object) -> String {
        String::from_utf8_lossy(obj.as_name().unwrap()).into_owned()
    }

    /// A PDF text string (UTF-16BE with its mark, or PDFDocEncoding as far as ASCII goes).
    fn text(obj: &Object) -> String {
        let bytes = obj.as_str().unwrap();
        match bytes.strip_prefix(&[0xFE, 0xFF]) {
            Some(utf16) => String::from_utf16(
                &utf16.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect::<Vec<_>>(),
            )
            .unwrap(),
            None => String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    fn deref<'a>(doc: &'a Document, obj: &'a Object) -> &'a Object {
        match obj {
            Object::Reference(id) => doc.get_object(*id).unwrap(),
            other => other,
        }
    }

    fn walk(doc: &Document, id: ObjectId, tree: &mut Tree) {
        let elem = doc.get_dictionary(id).unwrap();
        assert_eq!(name(elem.get(b"Type").unwrap()), "StructElem");
        let role = name(elem.get(b"S").unwrap());
        tree.roles.push(role.clone());
        if role == "Figure" {
            tree.figures.push(elem.get(b"Alt").ok().map(text));
        }
        if let Ok(lang) = elem.get(b"Lang") {
            tree.langs.push(text(lang));
        }
        if role == "Table" {
            tree.tables.push(table_rows(doc, elem));
        }
        let page = elem.get(b"Pg").and_then(Object::as_reference).ok();
        let kids = match elem.get(b"K").unwrap() {
            Object::Array(kids) => kids.clone(),
            kid => vec![kid.clone()],
        };
        for kid in &kids {
            match kid {
                Object::Integer(mcid) => {
                    let page = page.expect("marked content without a page");
                    assert!(tree.owners.insert((page, *mcid), id).is_none(), "MCID {mcid} twice");
                }
                Object::Reference(kid_id) => {
                    let kid_dict = doc.get_dictionary(*kid_id).unwrap();
                    assert_eq!(
                        kid_dict.get(b"P").unwrap().as_reference().unwrap(),
                        id,
                        "a kid's /P is its parent"
                    );
                    walk(doc, *kid_id, tree);
                }
                Object::Dictionary(mcr) => {
                    assert_eq!(name(mcr.get(b"Type").unwrap()), "MCR");
                    let page = mcr.get(b"Pg").unwrap().as_reference().unwrap();
                    let mcid = mcr.get(b"MCID").unwrap().as_i64().unwrap();
                    assert!(tree.owners.insert((page, mcid), id).is_none(), "MCID {mcid} twice");
                }
                other => panic!("unexpected kid {other:?}"),
            }
        }
    }

    fn table_rows(doc: &Document, table: &Dictionary) -> Vec<Vec<String>> {
        let kids = table.get(b"K").unwrap().as_array().unwrap();
        kids.iter()
            .map(|row| {
                let row = doc.get_dictionary(row.as_reference().unwrap()).unwrap();
                assert_eq!(name(row.get(b"S").unwrap()), "TR");
                row.get(b"K")
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|cell| {
                        let cell = doc.get_dictionary(cell.as_reference().unwrap()).unwrap();
                        name(cell.get(b"S").unwrap())
                    })
                    .collect()
            })
            .collect()
    }

    /// Checks the tagged structure of `pdf` and returns what its tree says: every
    /// text-showing operator sits in marked content whose id the tree names (and the parent
    /// tree maps back), every other mark is in marked content or an artifact, and the
    /// catalog carries what PDF/UA asks of it.
    fn check_structure(pdf: &[u8]) -> Tree {
        let doc = Document::load_mem(pdf).unwrap();
        let catalog = doc.catalog().unwrap();
        let mark_info = deref(&doc, catalog.get(b"MarkInfo").unwrap()).as_dict().unwrap();
        assert!(mark_info.get(b"Marked").unwrap().as_bool().unwrap());
        assert_eq!(text(catalog.get(b"Lang").unwrap()), "de-DE");
        let prefs = deref(&doc, catalog.get(b"ViewerPreferences").unwrap()).as_dict().unwrap();
        assert!(prefs.get(b"DisplayDocTitle").unwrap().as_bool().unwrap());
        let metadata = doc
            .get_object(catalog.get(b"Metadata").unwrap().as_reference().unwrap())
            .unwrap()
            .as_stream()
            .unwrap();
        let xmp = String::from_utf8(metadata.content.clone()).unwrap();
        assert!(xmp.contains("<pdfuaid:part>1</pdfuaid:part>"), "{xmp}");
        assert!(xmp.contains("<dc:title>"), "{xmp}");

        let root_id = catalog.get(b"StructTreeRoot").unwrap().as_reference().unwrap();
        let root = doc.get_dictionary(root_id).unwrap();
        assert_eq!(name(root.get(b"Type").unwrap()), "StructTreeRoot");
        let mut tree = Tree::default();
        let top = root.get(b"K").unwrap().as_reference().unwrap();
        walk(&doc, top, &mut tree);
        assert_eq!(tree.roles[0], "Document");

        let parent_tree =
            doc.get_dictionary(root.get(b"ParentTree").unwrap().as_reference().unwrap()).unwrap();
        let nums = parent_tree.get(b"Nums").unwrap().as_array().unwrap();
        let parents: HashMap<i64, &Object> =
            nums.chunks(2).map(|pair| (pair[0].as_i64().unwrap(), &pair[1])).collect();

        let mut seen: HashSet<(ObjectId, i64)> = HashSet::new();
        for (n, page_id) in doc.get_pages() {
            let page = doc.get_dictionary(page_id).unwrap();
            let key = page.get(b"StructParents").unwrap().as_i64().unwrap();
            let array = deref(&doc, parents[&key]).as_array().unwrap();
            let content = doc.get_and_decode_page_content(page_id).unwrap();
            // Open marked-content sequences: Some(mcid) for structure content, None otherwise.
            let mut open: Vec<(String, Option<i64>)> = Vec::new();
            let mut texts = 0;
            for op in &content.operations {
                match op.operator.as_str() {
                    "BDC" => {
                        let tag = name(&op.operands[0]);
                        let props = deref(&doc, &op.operands[1]).as_dict().unwrap();
                        let mcid = props.get(b"MCID").ok().map(|m| m.as_i64().unwrap());
                        open.push((tag, mcid));
                    }
                    "BMC" => open.push((name(&op.operands[0]), None)),
                    "EMC" => {
                        open.pop().expect("EMC without BDC/BMC");
                    }
                    "Tj" | "TJ" | "'" | "\"" => {
                        texts += 1;
                        let (tag, mcid) = open.last().cloned().unwrap_or_default();
                        let mcid = mcid.unwrap_or_else(|| {
                            panic!("page {n}: text outside structure content (in {tag:?})")
                        });
                        let owner = tree.owners.get(&(page_id, mcid));
                        let owner =
                            owner.unwrap_or_else(|| panic!("page {n}: MCID {mcid} unowned"));
                        let role = name(doc.get_dictionary(*owner).unwrap().get(b"S").unwrap());
                        assert_eq!(role, tag, "page {n}: MCID {mcid} tagged unlike its element");
                        assert_eq!(
                            array.get(mcid as usize).and_then(|o| o.as_reference().ok()),
                            Some(*owner),
                            "page {n}: parent tree disagrees for MCID {mcid}"
                        );
                        seen.insert((page_id, mcid));
                    }
                    "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "S" | "s" | "Do" => {
                        let (tag, mcid) = open.last().cloned().unwrap_or_else(|| {
                            panic!("page {n}: {} outside marked content", op.operator)
                        });
                        assert!(
                            tag == "Artifact" || mcid.is_some(),
                            "page {n}: {} in {tag:?} without MCID",
                            op.operator
                        );
                        if let Some(mcid) = mcid {
                            assert!(tree.owners.contains_key(&(page_id, mcid)), "MCID {mcid}");
                            seen.insert((page_id, mcid));
                        }
                    }
                    _ => {}
                }
            }
            assert!(open.is_empty(), "page {n}: marked content left open");
            assert!(texts > 0, "page {n} has no text");
        }
        // Nothing in the tree points at content that is not there.
        let named: HashSet<(ObjectId, i64)> = tree.owners.keys().copied().collect();
        assert_eq!(named, seen, "the tree names content that the pages do not have");
        tree
    }

    fn pdfinfo(pdf: &[u8]) -> Option<String> {
        tool("pdfinfo")?;
        let (_dir, path) = write_temp(pdf, "cert.pdf");
        let out = Command::new("pdfinfo").arg(&path).output().unwrap();
        assert!(out.status.success());
        Some(String::from_utf8(out.stdout).unwrap())
    }

    #[test]
    fn certificate_is_a_tagged_pdf() {
        let r = CertificateRenderer::new().unwrap();
        let mut doc = sample("Jürgen Müller");
        doc.language = "uk".into();
        doc.issuer_lines = vec!["Marktplatz 1, 04600 Altenburg".into(), "Tel. 03447 586-0".into()];
        let pdf = r.render(&doc).unwrap();
        let tree = check_structure(&pdf);

        // One H1 (the certificate), the notes for landlords under it, their four sections
        // and the short version in the participant's language below.
        let count = |role: &str| tree.roles.iter().filter(|r| *r == role).count();
        assert_eq!(count("H1"), 1, "{:?}", tree.roles);
        assert_eq!(count("H2"), 1, "{:?}", tree.roles);
        assert_eq!(count("H3"), 5, "{:?}", tree.roles);
        // The three numbered steps and the module bullets are lists.
        assert_eq!(count("L"), 2, "{:?}", tree.roles);
        assert_eq!(count("LI"), 3 + doc.modules.len(), "{:?}", tree.roles);

        // The module table: a header row of three TH, then one row of three TD per module.
        assert_eq!(tree.tables.len(), 1);
        let rows = &tree.tables[0];
        assert_eq!(rows.len(), 1 + doc.modules.len());
        assert_eq!(rows[0], ["TH", "TH", "TH"]);
        for row in &rows[1..] {
            assert_eq!(row, &["TD", "TD", "TD"]);
        }

        // The QR code is a figure saying what it is for and which code it holds.
        assert_eq!(tree.figures.len(), 1);
        let alt = tree.figures[0].clone().expect("figure without /Alt");
        assert!(alt.contains(&doc.code_display), "{alt}");
        assert!(alt.contains("127.0.0.1:8080"), "{alt}");
        assert!(alt.contains("Echtheit"), "{alt}");

        // The participant-language title and explanation carry their language.
        assert_eq!(tree.langs, ["uk"; 4]);

        if let Some(info) = pdfinfo(&pdf) {
            assert!(info.contains("Tagged:          yes"), "{info}");
            assert!(
                info.contains("Title:           Teilnahmebescheinigung – Jürgen Müller"),
                "{info}"
            );
        }
        qpdf_check(&pdf);
    }

    #[test]
    fn summarised_module_list_stays_a_table_with_its_summary_outside() {
        let r = CertificateRenderer::new().unwrap();
        let mut doc = sample("Anna Schmidt");
        doc.modules = (1..=30)
            .map(|i| AttendedModule {
                title: format!("Modul {i}: Rechte und Pflichten im Mietverhältnis und Nebenkosten"),
                date: doc.run_start,
                duration_minutes: 90,
            })
            .collect();
        doc.logo = Some(Arc::new(
            DocumentImage::from_bytes(&crate::certificates::pdf::tests::png(240, 120)).unwrap(),
        ));
        doc.signature_image = Some(Arc::new(
            DocumentImage::from_bytes(&crate::certificates::pdf::tests::jpeg(300, 80)).unwrap(),
        ));
        let pdf = r.render(&doc).unwrap();
        let tree = check_structure(&pdf);
        let rows = &tree.tables[0];
        assert!(rows.len() < 31, "all 30 modules cannot fit");
        assert!(rows[1..].iter().all(|row| row == &["TD", "TD", "TD"]));
        // Logo and signature repeat printed text: artifacts, not figures.
        assert_eq!(tree.figures.len(), 1);
        qpdf_check(&pdf);
    }

    #[test]
    fn check_in_cards_are_tagged_too() {
        let r = CertificateRenderer::new().unwrap();
        let cards: Vec<ParticipantCard> = (0..12)
            .map(|i| ParticipantCard {
                name: format!("Teilnehmerin {i}"),
                course: "Wohnen in Deutschland".into(),
                period: "05.10.–20.11.2026".into(),
                url: format!("HTTP://127.0.0.1:8080/C/ABCDEF{i}"),
                code: format!("K-{i:03}"),
            })
            .collect();
        let pdf = r.render_cards("Landratsamt", &cards).unwrap();
        let tree = check_structure(&pdf);
        assert_eq!(tree.figures.len(), 12);
        for (alt, card) in tree.figures.iter().zip(&cards) {
            assert!(alt.as_deref().unwrap().contains(&card.code), "{alt:?}");
        }
        qpdf_check(&pdf);
    }

    /// The participant-language line in each script the participants read, with what
    /// `pdftotext` must give back for it.
    /// Each language's shipped title and a course title as a coordinator would translate it.
    const SCRIPTS: &[(&str, &str, &str)] = &[
        // Latin
        ("en", "Certificate of participation", "Renting a flat in Germany"),
        ("tr", "Katılım belgesi", "Almanya'da ev kiralamak"),
        // Cyrillic
        ("uk", "Сертифікат про участь", "Оренда житла в Німеччині"),
        ("ru", "Сертификат об участии", "Аренда жилья в Германии"),
        // Arabic script, right to left and shaped
        ("ar", "شهادة مشاركة", "استئجار شقة في ألمانيا"),
        ("fa", "گواهی شرکت در دوره", "اجاره خانه در آلمان"),
        ("ps", "د ګډون سند", "په آلمان کې د کور کرایه کول"),
        // Ethiopic
        ("ti", "ምስክር ወረቐት ተሳትፎ", "ኣብ ጀርመን ገዛ ምክራይ"),
    ];

    /// Every word of `sentence` is in `text`, in its own letters.
    fn assert_words_in(lang: &str, sentence: &str, text: &str) {
        for word in sentence.split_whitespace() {
            let word =
                normalise(word.trim_matches([
                    '.', '።', ',', '،', '፣', ':', ';', '«', '»', '“', '”', '(', ')',
                ]));
            if word.is_empty() {
                continue;
            }
            assert!(text.contains(&word), "{lang}: {word:?} missing in:\n{text}");
        }
    }

    /// Page 1 carries the shipped title, the explanation and the course title as the
    /// coordinator translated it; page 2 closes with the short landlord notes. Each in its
    /// script, tagged with its language, with the QR code still scanning.
    #[test]
    fn certificate_renders_in_every_script() {
        let r = CertificateRenderer::new().unwrap();
        let all: HashMap<String, HashMap<String, String>> =
            serde_json::from_str(content::LOCALES_JSON).unwrap();
        for (lang, title, course) in SCRIPTS {
            assert_eq!(&all[*lang]["title"], title, "{lang}");
            let mut doc = sample("Олена Шевченко");
            doc.language = lang.to_string();
            doc.course_title_translated = Some(course.to_string());
            let pdf = r.render(&doc).unwrap();
            let tree = check_structure(&pdf);
            // Title, explanation, course line; the notes' heading and text on page 2.
            assert_eq!(tree.langs, [*lang; 5], "{lang}");
            qpdf_check(&pdf);
            scan_pdf_at_100_and_150_dpi(&pdf, &doc.verification_url);
            assert_all_text_inside_page(&pdf);

            let (_dir, path) = write_temp(&pdf, "cert.pdf");
            let Some(page1) = pdftotext_args(&path, &["-f", "1", "-l", "1"]) else {
                eprintln!("pdftotext not installed: scripts not checked");
                return;
            };
            let page1 = normalise(&page1);
            assert!(page1.contains(&normalise(title)), "{lang}: {title:?} missing in:\n{page1}");
            assert_words_in(lang, &all[*lang]["explanation"], &page1);
            assert_words_in(lang, course, &page1);
            assert!(page1.contains("Олена Шевченко"), "{lang}: {page1}");
            let page2 = normalise(&pdftotext_args(&path, &["-f", "2", "-l", "2"]).unwrap());
            assert!(page2.contains("Hinweise für Vermieter"), "{lang}: {page2}");
            assert_words_in(lang, &all[*lang]["notes_title"], &page2);
            assert_words_in(lang, &all[*lang]["notes_summary"], &page2);
            // German first on both pages.
            let german = page2.find("Was die Bescheinigung aussagt").unwrap();
            let first = all[*lang]["notes_summary"].split_whitespace().next().unwrap();
            assert!(german < page2.find(&normalise(first)).unwrap(), "{lang}: {page2}");
        }
    }

    /// The course line carries what a coordinator typed: whatever it is, the certificate
    /// renders, and a title the fonts cannot print leaves the line out, never a box.
    #[test]
    fn a_translated_title_the_fonts_cannot_print_leaves_the_line_out() {
        let r = CertificateRenderer::new().unwrap();
        for title in ["Wohnen 🏠", "a\u{202E}b", "x\ny", &"Wohnen ".repeat(2000), "   "] {
            let mut doc = sample("Anna Schmidt");
            doc.language = "en".into();
            doc.course_title_translated = Some(title.to_string());
            let pdf = r.render(&doc).unwrap();
            assert_eq!(check_structure(&pdf).langs, ["en"; 4], "{title:?}");
        }
    }

    #[test]
    fn ethiopic_and_pashto_print_with_their_fonts() {
        let r = CertificateRenderer::new().unwrap();
        // No .notdef boxes: every letter of the shipped lines has a glyph.
        for lang in ["ti", "ps"] {
            let tr = r.translation(lang).unwrap();
            for line in std::iter::once(&tr.title).chain(&tr.explanation) {
                for glyph in line.runs.iter().flat_map(|run| run.glyphs.iter()) {
                    assert_ne!(glyph.gid, 0, "{lang}: no glyph for {:?}", glyph.text);
                }
            }
        }
        assert!(!r.translation("ti").unwrap().rtl);
        assert!(r.translation("ps").unwrap().rtl);
        if tool("pdffonts").is_none() {
            return;
        }
        for (lang, font) in [("ti", "NotoSansEthiopic-Regular"), ("ps", "NotoSansArabic-Regular")] {
            let mut doc = sample("Anna Schmidt");
            doc.language = lang.into();
            let (_dir, path) = write_temp(&r.render(&doc).unwrap(), "cert.pdf");
            let out = Command::new("pdffonts").arg(&path).output().unwrap();
            let list = String::from_utf8_lossy(&out.stdout);
            let line = list.lines().find(|l| l.contains(font)).unwrap_or_else(|| panic!("{list}"));
            let cols: Vec<&str> = line.split_whitespace().collect();
            assert!(cols[0].as_bytes()[6] == b'+', "{line}");
            assert_eq!(&cols[cols.len() - 5..cols.len() - 2], &["yes", "yes", "yes"], "{line}");
        }
        // A German certificate carries neither.
        let (_dir, path) = write_temp(&r.render(&sample("Anna Schmidt")).unwrap(), "cert.pdf");
        let out = Command::new("pdffonts").arg(&path).output().unwrap();
        let list = String::from_utf8_lossy(&out.stdout);
        assert!(!list.contains("Ethiopic") && !list.contains("Arabic"), "{list}");
    }
}

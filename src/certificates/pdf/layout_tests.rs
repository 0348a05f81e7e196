//! Where things land on page 1, read back from the PDF with `pdftotext -bbox`.

// In a `#[cfg(test)]` module of its own, which is how `it::words` knows it is a test.
#[cfg(test)]
mod tests {
    use std::process::Command;

    use crate::certificates::pdf::tests::{sample, tool, write_temp};
    use crate::certificates::pdf::*;

    /// Words of page 1 with their top and bottom edge in mm from the top of the page.
    fn words(pdf: &[u8]) -> Option<Vec<(String, f32, f32)>> {
        tool("pdftotext")?;
        let (_dir, path) = write_temp(pdf, "cert.pdf");
        let out = Command::new("pdftotext")
            .args(["-f", "1", "-l", "1", "-bbox", "-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let html = String::from_utf8(out.stdout).unwrap();
        let attr = |tag: &str, name: &str| -> f32 {
            let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let end = start + tag[start..].find('"').unwrap();
            tag[start..end].parse::<f32>().unwrap() * 25.4 / 72.0
        };
        let mut words = Vec::new();
        for part in html.split("<word ").skip(1) {
            let (tag, rest) = part.split_once('>').unwrap();
            let text = rest.split_once("</word>").unwrap().0.to_string();
            words.push((text, attr(tag, "yMin"), attr(tag, "yMax")));
        }
        Some(words)
    }

    fn top_of(words: &[(String, f32, f32)], word: &str) -> f32 {
        words.iter().find(|w| w.0 == word).unwrap_or_else(|| panic!("{word} missing")).1
    }

    /// Short module lists used to leave some 9 cm empty between the table and the place
    /// line; the room is now shared out above the title and above the table.
    #[test]
    fn page_one_is_balanced() {
        let r = CertificateRenderer::new().unwrap();
        for (modules, lang) in [(0, "de"), (1, "de"), (2, "de"), (4, "de"), (4, "ar"), (2, "ti")] {
            let mut doc = sample("Jürgen Müller");
            doc.modules.truncate(modules);
            doc.language = lang.into();
            let Some(words) = words(&r.render(&doc).unwrap()) else {
                eprintln!("pdftotext not installed: layout not checked");
                return;
            };
            let place = top_of(&words, "Altenburg,");
            // The lowest word of the top part: the last table row or the course line.
            let end_of_top = words
                .iter()
                .filter(|w| {
                    w.1 < place - 1.0 && (w.0 == "Min." || w.0 == "teilgenommen" || w.0 == "hat.")
                })
                .map(|w| w.2)
                .fold(0.0, f32::max);
            let title = top_of(&words, "Teilnahmebescheinigung");
            let gap = place - end_of_top;
            assert!(
                gap < 60.0,
                "{modules} modules, {lang}: {gap:.0} mm empty above the place line"
            );
            // The title stays in the upper third.
            assert!(title < 297.0 / 3.0, "{modules} modules, {lang}: title at {title:.0} mm");
        }
    }

    /// The venue is named the way the issuer phrased it, the date line names the issuer's
    /// seat; without them the run's place follows "in" as before.
    #[test]
    fn venue_phrase_and_seat_are_printed_as_set() {
        let r = CertificateRenderer::new().unwrap();
        let mut doc = sample("Jürgen Müller");
        doc.place = "Volkshochschule, Raum 3".into();
        doc.venue_phrase = "an der Volkshochschule Altenburger Land".into();
        doc.issuer_seat = "Altenburg".into();
        let (_dir, path) = write_temp(&r.render(&doc).unwrap(), "cert.pdf");
        let Some(text) =
            crate::certificates::pdf::tests::pdftotext_args(&path, &["-f", "1", "-l", "1"])
        else {
            return;
        };
        let text = crate::certificates::pdf::tests::normalise(&text);
        assert!(
            text.contains(
                "bis 20.11.2026 an der Volkshochschule Altenburger Land teilgenommen hat"
            ),
            "{text}"
        );
        assert!(text.contains("Altenburg, den 21.11.2026"), "{text}");
        assert!(!text.contains("Raum 3"), "{text}");

        doc.venue_phrase.clear();
        doc.issuer_seat.clear();
        let (_dir, path) = write_temp(&r.render(&doc).unwrap(), "cert.pdf");
        let text = crate::certificates::pdf::tests::normalise(
            &crate::certificates::pdf::tests::pdftotext_args(&path, &["-f", "1", "-l", "1"])
                .unwrap(),
        );
        assert!(
            text.contains("bis 20.11.2026 in Volkshochschule, Raum 3 teilgenommen hat"),
            "{text}"
        );
        assert!(text.contains("Volkshochschule, Raum 3, den 21.11.2026"), "{text}");
    }

    /// Every code the alphabet can make fits under the QR code, the widest letters too
    /// (a random code of wide letters once made issuing fail).
    #[test]
    fn the_widest_codes_print() {
        let r = CertificateRenderer::new().unwrap();
        let long_name = "Abdullah Mohammed Al-Rashidi-Hashemi";
        for code in ["WWWW-WWWW-WWWW-WWWW-W", "MMMM-MMMM-MMMM-MMMM-M", "0000-0000-0000-0000-0"] {
            for holder in ["Olena Kovalenko", long_name] {
                let mut doc = sample(holder);
                doc.code_display = code.into();
                r.render(&doc).unwrap_or_else(|e| panic!("{code}, {holder}: {e:#}"));
            }
        }
    }
}

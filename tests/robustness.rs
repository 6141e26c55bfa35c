//! Damaged input never panics: the Henan document with lines dropped, duplicated, cut
//! and cells shifted, 300 variants from a fixed seed. Each either parses (with warnings)
//! or fails with an error naming the file.

use std::path::Path;

use yusuan::ingest::{Overrides, parse_file};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn mutate(lines: &[&str], rng: &mut Lcg) -> String {
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for _ in 0..1 + rng.next(12) {
        if out.is_empty() {
            break;
        }
        let i = rng.next(out.len());
        match rng.next(6) {
            0 => {
                out.remove(i);
            }
            1 => {
                let l = out[i].clone();
                out.insert(i, l);
            }
            2 => out[i] = format!("\t{}", out[i]),
            3 => {
                let cut = out[i]
                    .char_indices()
                    .map(|(p, _)| p)
                    .nth(rng.next(out[i].chars().count()))
                    .unwrap_or(0);
                out[i].truncate(cut);
            }
            4 => out[i] = out[i].replace('.', ". "),
            _ => out.truncate(i.max(1)),
        }
    }
    out.join("\n")
}

#[test]
fn damaged_documents_never_panic() {
    let text = std::fs::read_to_string("datasets/text/000_59511c5e13e4fdad.txt").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Lcg(20_241_127);
    let mut parsed = 0;
    for n in 0..300 {
        let path = dir.path().join(format!("variant-{n}.txt"));
        std::fs::write(&path, mutate(&lines, &mut rng)).unwrap();
        match parse_file(&path, &Overrides::default()) {
            Ok(_) => parsed += 1,
            Err(e) => assert!(e.to_string().contains(&format!("variant-{n}.txt")), "{e}"),
        }
    }
    assert!(parsed > 100, "most variants still parse ({parsed})");
}

#[test]
fn every_prefix_of_the_document_parses_or_fails_cleanly() {
    let text = std::fs::read_to_string("datasets/text/000_59511c5e13e4fdad.txt").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prefix.txt");
    let lines: Vec<&str> = text.lines().collect();
    for n in (1..lines.len()).step_by(7) {
        std::fs::write(&path, lines[..n].join("\n")).unwrap();
        if let Err(e) = parse_file(Path::new(&path), &Overrides::default()) {
            assert!(e.to_string().contains("prefix.txt"), "{e}");
        }
    }
}

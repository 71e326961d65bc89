//! The labelled corpus: realistic calls to home-services businesses, each labelled lead or not,
//! one file per writer (model/corpus/BRIEF.md is what every writer was given; model/README.md
//! says how the files are used).
//!
//! A file starts with `# writer: <id>` and `# style: <style family>` comments; each call is
//! `=== id | trade | label | kind`, optional `reason:` and `notes:` lines, and one line per turn:
//! `A:` the agent, `C:` the caller, `?:` a segment speech recognition could not attribute.

use std::path::Path;

use scl_detection::{Speaker, Utterance};

use crate::trades::{family_of, Family};

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: String,
    pub trade: String,
    pub family: Family,
    pub is_lead: bool,
    /// What kind of call it is ("price check, comparing", "reschedule existing job"...), in the
    /// writer's words, for reports. Never a feature.
    pub kind: String,
    /// Who wrote the call, and in which style family (the file's header).
    pub writer: String,
    pub style: String,
    pub reason: Option<String>,
    pub notes: Option<String>,
    pub transcript: Vec<Segment>,
}

/// One line of a corpus call.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub speaker: Speaker,
    pub text: String,
}

impl Call {
    /// The call reason and CSR notes, as the detector receives them.
    pub fn extra(&self) -> Vec<&str> {
        [self.reason.as_deref(), self.notes.as_deref()]
            .into_iter()
            .flatten()
            .collect()
    }

    /// The transcript as the detector reads it.
    pub fn utterances(&self) -> Vec<Utterance<'_>> {
        self.transcript
            .iter()
            .map(|s| Utterance {
                speaker: s.speaker,
                text: &s.text,
            })
            .collect()
    }

    pub fn turns(&self) -> usize {
        self.transcript.len()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {message}")]
    Format {
        path: String,
        line: usize,
        message: String,
    },
}

fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The role a platform gives segments it could not attribute: whatever channel it defaults to,
/// the same for every such segment of a call. Which one is not knowable, so it is taken from a
/// hash of the call's id: half the calls one way, half the other, the same on every run.
fn unattributed_role(call_id: &str) -> Speaker {
    if fnv(call_id).is_multiple_of(2) {
        Speaker::Customer
    } else {
        Speaker::Agent
    }
}

/// Parses one corpus file. `path_name` names it in errors.
pub fn parse(path_name: &str, text: &str) -> Result<Vec<Call>, CorpusError> {
    let err = |line: usize, message: &str| CorpusError::Format {
        path: path_name.to_owned(),
        line,
        message: message.to_owned(),
    };
    let mut writer = String::new();
    let mut style = String::new();
    let mut calls: Vec<Call> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(w) = comment.strip_prefix("writer:") {
                writer = w.trim().to_owned();
            } else if let Some(s) = comment.strip_prefix("style:") {
                style = s.trim().to_owned();
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix("===") {
            let parts: Vec<&str> = header.split('|').map(str::trim).collect();
            let [id, trade, label, kind] = parts[..] else {
                return Err(err(line_no, "a header is `=== id | trade | label | kind`"));
            };
            let is_lead = match label {
                "lead" => true,
                "not_lead" => false,
                _ => return Err(err(line_no, "the label is `lead` or `not_lead`")),
            };
            let Some(family) = family_of(trade) else {
                return Err(err(
                    line_no,
                    "unknown trade (model/corpus/BRIEF.md lists them)",
                ));
            };
            if writer.is_empty() {
                return Err(err(line_no, "a call before the `# writer:` line"));
            }
            if calls.iter().any(|c| c.id == id) {
                return Err(err(line_no, "duplicate call id"));
            }
            calls.push(Call {
                id: id.to_owned(),
                trade: trade.to_owned(),
                family,
                is_lead,
                kind: kind.to_owned(),
                writer: writer.clone(),
                style: style.clone(),
                reason: None,
                notes: None,
                transcript: Vec::new(),
            });
            continue;
        }
        let call = calls
            .last_mut()
            .ok_or_else(|| err(line_no, "text before the first call header"))?;
        let (tag, rest) = line.split_once(':').ok_or_else(|| {
            err(
                line_no,
                "a line is `A: ...`, `C: ...`, `?: ...`, `reason: ...` or `notes: ...`",
            )
        })?;
        let rest = rest.trim().to_owned();
        let speaker = match tag.trim() {
            "A" => Speaker::Agent,
            "C" => Speaker::Customer,
            "?" => unattributed_role(&call.id),
            "reason" => {
                call.reason = Some(rest);
                continue;
            }
            "notes" => {
                call.notes = Some(rest);
                continue;
            }
            _ => return Err(err(line_no, "unknown line tag")),
        };
        call.transcript.push(Segment {
            speaker,
            text: rest,
        });
    }
    if let Some(empty) = calls.iter().find(|c| c.transcript.is_empty()) {
        return Err(CorpusError::Format {
            path: path_name.to_owned(),
            line: 0,
            message: format!("call {} has no transcript", empty.id),
        });
    }
    Ok(calls)
}

pub fn load(path: &Path) -> Result<Vec<Call>, CorpusError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CorpusError::Read {
        path: name.clone(),
        source,
    })?;
    parse(&name, &text)
}

/// Every `*.txt` file of a folder, in name order, as one list of calls; ids must be unique
/// across the files.
pub fn load_dir(dir: &Path) -> Result<Vec<Call>, CorpusError> {
    let read_err = |source| CorpusError::Read {
        path: dir.display().to_string(),
        source,
    };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut calls: Vec<Call> = Vec::new();
    for file in files {
        for call in load(&file)? {
            if calls.iter().any(|c| c.id == call.id) {
                return Err(CorpusError::Format {
                    path: file.display().to_string(),
                    line: 0,
                    message: format!("call id {} is used in another file", call.id),
                });
            }
            calls.push(call);
        }
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# writer: w09\n# style: terse calls\n\
        === w09-0001 | hvac | lead | repair\nreason: AC out\nA: Hello.\nC: It broke.\n\n\
        === w09-0002 | septic | not_lead | billing\n?: My bill.\n?: Paid.\n";

    #[test]
    fn calls_parse_with_writer_style_family_reason_and_speakers() {
        let calls = parse("x", FILE).unwrap();
        assert_eq!(calls.len(), 2);
        assert!(calls[0].is_lead && !calls[1].is_lead);
        assert_eq!(calls[0].extra(), vec!["AC out"]);
        assert_eq!(calls[0].transcript[1].speaker, Speaker::Customer);
        assert_eq!(
            (calls[1].writer.as_str(), calls[1].style.as_str()),
            ("w09", "terse calls")
        );
        assert_eq!(calls[1].family, Family::Plumbing);
        // Unattributed segments of one call all get the same role.
        assert_eq!(
            calls[1].transcript[0].speaker,
            calls[1].transcript[1].speaker
        );
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let e = parse("x", "# writer: w1\n=== a | hvac | maybe | k\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(
            parse("x", "# writer: w1\n=== a | hvac | lead | k\n").is_err(),
            "no transcript"
        );
        assert!(parse("x", "# writer: w1\n=== a | hvac | lead | k\nQ: hi\n").is_err());
        assert!(parse("x", "# writer: w1\n=== a | spaceships | lead | k\nC: hi\n").is_err());
        assert!(
            parse("x", "=== a | hvac | lead | k\nC: hi\n").is_err(),
            "no writer"
        );
    }
}

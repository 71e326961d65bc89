//! The labelled corpus (model/corpus/*.txt): realistic calls to home-services businesses, each
//! labelled lead or not. See model/README.md for the format and the labelling rules.

use std::path::Path;

use scl_detection::{Speaker, Utterance};

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: String,
    pub trade: String,
    pub is_lead: bool,
    /// What kind of call it is ("repair", "warranty-installed", "realtor"...), for reports.
    pub kind: String,
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

/// Parses one corpus file.
pub fn parse(path_name: &str, text: &str) -> Result<Vec<Call>, CorpusError> {
    let err = |line: usize, message: &str| CorpusError::Format {
        path: path_name.to_owned(),
        line,
        message: message.to_owned(),
    };
    let mut calls: Vec<Call> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
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
            if calls.iter().any(|c| c.id == id) {
                return Err(err(line_no, "duplicate call id"));
            }
            calls.push(Call {
                id: id.to_owned(),
                trade: trade.to_owned(),
                is_lead,
                kind: kind.to_owned(),
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
                "a line is `A: ...`, `C: ...`, `reason: ...` or `notes: ...`",
            )
        })?;
        let rest = rest.trim().to_owned();
        let speaker = match tag {
            "A" => Speaker::Agent,
            "C" => Speaker::Customer,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_parse_with_reason_notes_and_speakers() {
        let calls = parse(
            "x",
            "# comment\n=== a-1 | hvac | lead | repair\nreason: AC out\nA: Hello.\nC: It broke.\n\n=== a-2 | hvac | not_lead | billing\nC: My bill.\n",
        )
        .unwrap();
        assert_eq!(calls.len(), 2);
        assert!(calls[0].is_lead && !calls[1].is_lead);
        assert_eq!(calls[0].extra(), vec!["AC out"]);
        assert_eq!(calls[0].transcript[1].speaker, Speaker::Customer);
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let e = parse("x", "=== a | b | maybe | k\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        assert!(
            parse("x", "=== a | b | lead | k\n").is_err(),
            "no transcript"
        );
        assert!(parse("x", "=== a | b | lead | k\nQ: hi\n").is_err());
    }
}

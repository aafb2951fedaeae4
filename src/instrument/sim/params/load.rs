//! Reading parameter files: the built-in sets (every entry documented) and override files
//! (set → key → entry), with unit conversion, range checks and errors that point into the file.

use super::{BUILT_IN, Entry, ParamSet, keys_of};
use crate::instrument::sim::error::{At, SimError, Text};
use miette::{NamedSource, SourceSpan};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

fn source_of(file: &str, text: &str) -> Text {
    Arc::new(NamedSource::new(file, text.to_string()))
}

pub(super) fn at(file: &str, set: Option<&str>, key: Option<&str>) -> Box<At> {
    Box::new(At {
        file: file.to_string(),
        set: set.map(str::to_string),
        key: key.map(str::to_string),
    })
}

/// The span of the first `"needle"` after the first `"after"` (when given) in `text`.
fn find_key(text: &str, after: Option<&str>, needle: &str) -> Option<SourceSpan> {
    let start = match after {
        Some(a) => text.find(&format!("\"{a}\""))?,
        None => 0,
    };
    let quoted = format!("\"{needle}\"");
    let at = text[start..].find(&quoted)? + start;
    Some(SourceSpan::new(at.into(), quoted.len()))
}

fn json_error(file: &str, text: &str, error: &serde_json::Error) -> SimError {
    // serde_json reports 1-based line and column; turn them into a byte offset.
    let offset: usize = text
        .split_inclusive('\n')
        .take(error.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + error.column().saturating_sub(1);
    SimError::Json {
        at: at(file, None, None),
        message: error.to_string(),
        text: source_of(file, text),
        span: Some(SourceSpan::new(offset.min(text.len()).into(), 0)),
    }
}

fn shape(file: &str, text: &str, what: String, help: &str, span: Option<SourceSpan>) -> SimError {
    SimError::Shape {
        at: at(file, None, None),
        what,
        help: help.to_string(),
        text: source_of(file, text),
        span,
    }
}

fn did_you_mean(candidate: &str, options: impl Iterator<Item = &'static str>) -> String {
    let options: Vec<&str> = options.collect();
    let best = options
        .iter()
        .map(|o| (strsim::levenshtein(candidate, o), *o))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d);
    match best {
        Some((_, o)) => format!("did you mean `{o}`?"),
        None => format!("known: {}", options.join(", ")),
    }
}

/// One entry object `{value, unit, meaning?, source?}` of set `set`, key `key`.
struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    set: &'a str,
}

impl Ctx<'_> {
    fn entry(&self, key: &str, object: &Value, require_docs: bool) -> Result<Entry, SimError> {
        let span = find_key(self.text, Some(self.set), key);
        let spec = keys_of(self.set)
            .iter()
            .find(|k| k.key == key)
            .ok_or_else(|| SimError::UnknownKey {
                at: at(self.file, Some(self.set), Some(key)),
                help: did_you_mean(key, keys_of(self.set).iter().map(|k| k.key)),
                text: source_of(self.file, self.text),
                span,
            })?;
        let help = "write the entry as {\"value\": NUMBER, \"unit\": \"UNIT\", \"meaning\": …, \"source\": …}";
        let value = object.get("value").and_then(Value::as_f64).ok_or_else(|| {
            shape(
                self.file,
                self.text,
                format!("`{}.{key}` needs a numeric `value`", self.set),
                help,
                span,
            )
        })?;
        let unit = object.get("unit").and_then(Value::as_str).ok_or_else(|| {
            shape(
                self.file,
                self.text,
                format!(
                    "`{}.{key}` needs a `unit` string (\"\" for a plain number)",
                    self.set
                ),
                help,
                span,
            )
        })?;
        let text_of = |field: &str| {
            object
                .get(field)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (meaning, source) = (text_of("meaning"), text_of("source"));
        if require_docs && (meaning.is_none() || source.is_none()) {
            return Err(shape(
                self.file,
                self.text,
                format!("`{}.{key}` lacks its `meaning` or `source`", self.set),
                help,
                span,
            ));
        }
        let internal = spec
            .kind
            .convert(value, unit)
            .ok_or_else(|| SimError::WrongUnit {
                at: at(self.file, Some(self.set), Some(key)),
                unit: unit.to_string(),
                expected: spec.kind.expected(),
                text: source_of(self.file, self.text),
                span,
            })?;
        spec.bound
            .check(internal)
            .map_err(|why| SimError::BadValue {
                at: at(self.file, Some(self.set), Some(key)),
                value,
                why,
                text: source_of(self.file, self.text),
                span,
            })?;
        Ok(Entry {
            value,
            unit: unit.to_string(),
            internal,
            internal_unit: spec.kind.internal_unit(),
            meaning: meaning.unwrap_or_default(),
            source: source.unwrap_or_default(),
            file: self.file.to_string(),
        })
    }
}

pub(super) fn parse_default(name: &str, text: &str) -> Result<ParamSet, SimError> {
    let file = format!("built-in {name}.json");
    let root: Value = serde_json::from_str(text).map_err(|e| json_error(&file, text, &e))?;
    let description = root
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let params = root
        .get("parameters")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            shape(
                &file,
                text,
                "a parameter set needs a `parameters` object".into(),
                "see the module docs of `instrument::sim::params`",
                None,
            )
        })?;
    let ctx = Ctx {
        file: &file,
        text,
        set: name,
    };
    let mut entries = BTreeMap::new();
    for (key, object) in params {
        entries.insert(key.clone(), ctx.entry(key, object, true)?);
    }
    for spec in keys_of(name) {
        if !entries.contains_key(spec.key) {
            return Err(SimError::Missing {
                at: at(&file, Some(name), Some(spec.key)),
            });
        }
    }
    Ok(ParamSet {
        name: name.to_string(),
        description,
        entries,
    })
}

pub(super) fn apply_override(
    sets: &mut [ParamSet],
    file: &str,
    text: &str,
) -> Result<(), SimError> {
    let root: Value = serde_json::from_str(text).map_err(|e| json_error(file, text, &e))?;
    let Some(root) = root.as_object() else {
        return Err(shape(
            file,
            text,
            "the top level must be an object of parameter sets".into(),
            "e.g. {\"mg_chloride_glyme\": {\"k_max\": {\"value\": 1.0, \"unit\": \"1/h\"}}}",
            None,
        ));
    };
    for (set_name, keys) in root {
        let Some(set) = sets.iter_mut().find(|s| &s.name == set_name) else {
            return Err(SimError::UnknownSet {
                at: at(file, Some(set_name), None),
                help: did_you_mean(set_name, BUILT_IN.iter().map(|(n, _)| *n)),
                text: source_of(file, text),
                span: find_key(text, None, set_name),
            });
        };
        let Some(keys) = keys.as_object() else {
            return Err(shape(
                file,
                text,
                format!("set `{set_name}` must be an object of parameters"),
                "e.g. {\"k_max\": {\"value\": 1.0, \"unit\": \"1/h\"}}",
                find_key(text, None, set_name),
            ));
        };
        let ctx = Ctx {
            file,
            text,
            set: set_name,
        };
        for (key, object) in keys {
            let mut entry = ctx.entry(key, object, false)?;
            if let Some(old) = set.entries.get(key) {
                if entry.meaning.is_empty() {
                    entry.meaning = old.meaning.clone();
                }
            }
            if entry.source.is_empty() {
                entry.source = format!("override from {file}");
            }
            set.entries.insert(key.clone(), entry);
        }
    }
    Ok(())
}

//! `ImportApiKeys` (`POST /apikeys?mode=import&format=csv`): the CSV file AWS accepts, with
//! the columns `key` (or `value`), `name`, `description`, `enabled` and `usageplanIds`
//! (header names case-insensitive; `usageplanIds` is a comma list, so usually quoted).
//!
//! Rows that cannot become keys are reported as warnings and skipped, as AWS does; only a file
//! that is not CSV at all, or has no `key` column, fails the whole import. The control plane
//! adds the checks that need the store (duplicate values, unknown usage plans).

use crate::ModelError;
use crate::usage_plan::{MAX_NAME_LEN, validate_value};

/// One row that can become an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedKey {
    /// 1-based line of the file where the row starts, for warnings.
    pub line: usize,
    pub value: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub usage_plan_ids: Vec<String>,
}

/// The rows of an import file that can become keys, and warnings about the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedImport {
    pub keys: Vec<ImportedKey>,
    pub warnings: Vec<String>,
}

/// A column of the import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Value,
    Name,
    Description,
    Enabled,
    UsagePlanIds,
    Unknown,
}

/// Parses an import file into keys and warnings.
pub fn parse(body: &[u8]) -> Result<ParsedImport, ModelError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        ModelError::bad_request("Invalid API Key import file: the file is not UTF-8 text")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = parse_records(text)?.into_iter();
    let Some((_, header)) = records.next() else {
        return Err(ModelError::bad_request(
            "Invalid API Key import file: the file is empty",
        ));
    };
    let mut parsed = ParsedImport::default();
    let columns: Vec<Column> = header.iter().map(|name| column(name.trim())).collect();
    for (name, column) in header.iter().zip(&columns) {
        if *column == Column::Unknown {
            parsed.warnings.push(format!(
                "Line 1: unknown column '{}' is ignored",
                name.trim()
            ));
        }
    }
    if !columns.contains(&Column::Value) {
        return Err(ModelError::bad_request(
            "Invalid API Key import file: the header must contain a 'key' column",
        ));
    }
    let mut seen_values = std::collections::BTreeSet::new();
    for (line, fields) in records {
        match row(line, &columns, &fields) {
            Ok(key) if !seen_values.insert(key.value.clone()) => parsed.warnings.push(format!(
                "Line {line}: duplicate API Key value; the row is skipped"
            )),
            Ok(key) => parsed.keys.push(key),
            Err(reason) => parsed
                .warnings
                .push(format!("Line {line}: {reason}; the row is skipped")),
        }
    }
    Ok(parsed)
}

/// Splits CSV text into records of fields, each with the 1-based line it starts on. Fields
/// may be quoted (`"a, b"`, with `""` for a quote); blank lines are skipped; `\n` and `\r\n`
/// both end records.
pub fn parse_records(text: &str) -> Result<Vec<(usize, Vec<String>)>, ModelError> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut in_quotes = false;
    // Whether the current field was quoted: `"a"` and `a` are the same, but `""` is an
    // empty field rather than nothing, which keeps a line of `""` from being "blank".
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !quoted => {
                in_quotes = true;
                quoted = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                finish_record(&mut records, &mut fields, &mut field, quoted, record_line);
                quoted = false;
                line += 1;
                record_line = line;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(ModelError::bad_request(format!(
            "Invalid API Key import file: a quoted field that starts on line {record_line} \
             is not closed"
        )));
    }
    finish_record(&mut records, &mut fields, &mut field, quoted, record_line);
    Ok(records)
}

fn finish_record(
    records: &mut Vec<(usize, Vec<String>)>,
    fields: &mut Vec<String>,
    field: &mut String,
    quoted: bool,
    line: usize,
) {
    let blank = fields.is_empty() && field.trim().is_empty() && !quoted;
    let last = std::mem::take(field);
    if !blank {
        fields.push(last);
        records.push((line, std::mem::take(fields)));
    }
}

fn column(name: &str) -> Column {
    match name.to_ascii_lowercase().as_str() {
        "key" | "value" => Column::Value,
        "name" => Column::Name,
        "description" => Column::Description,
        "enabled" => Column::Enabled,
        "usageplanids" => Column::UsagePlanIds,
        _ => Column::Unknown,
    }
}

/// One data row; the error is the reason for a warning.
fn row(line: usize, columns: &[Column], fields: &[String]) -> Result<ImportedKey, String> {
    if fields.len() > columns.len() {
        return Err(format!(
            "{} fields but the header has {} columns",
            fields.len(),
            columns.len()
        ));
    }
    let mut key = ImportedKey {
        line,
        value: String::new(),
        name: None,
        description: None,
        enabled: false,
        usage_plan_ids: Vec::new(),
    };
    let non_empty = |text: &str| Some(text.to_owned()).filter(|t| !t.is_empty());
    for (column, field) in columns.iter().zip(fields) {
        let field = field.trim();
        match column {
            Column::Value => key.value = field.to_owned(),
            Column::Name => key.name = non_empty(field),
            Column::Description => key.description = non_empty(field),
            Column::Enabled => {
                key.enabled = match field.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" | "" => false,
                    _ => return Err(format!("invalid enabled value '{field}'")),
                };
            }
            Column::UsagePlanIds => {
                key.usage_plan_ids = field
                    .split(',')
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
                    .collect();
                key.usage_plan_ids.dedup();
            }
            Column::Unknown => {}
        }
    }
    if key.value.is_empty() {
        return Err("the API Key value is missing".to_owned());
    }
    validate_value(&key.value).map_err(|err| err.to_string())?;
    if key
        .name
        .as_deref()
        .is_some_and(|name| name.chars().count() > MAX_NAME_LEN)
    {
        return Err(format!(
            "API Key name should be at most {MAX_NAME_LEN} characters"
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests;

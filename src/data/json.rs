//! Column-wise JSON, as pandas' `DataFrame.to_json()` writes it: an object whose keys are
//! column names (`f (Hz)`, `Re(Z) (ohm)`, `Im(Z) (ohm)`…) and whose values are arrays of
//! numbers or objects from row index to number.

use super::error::DataError;
use super::header;
use super::{Format, Read};
use serde_json::Value;

pub fn read(path: &str, text: &str) -> Result<Read, DataError> {
    let malformed = |message: String| DataError::Malformed {
        path: path.to_string(),
        message,
        help: "expected an object of columns (frequency, Z', Z'') as pandas writes with to_json()"
            .to_string(),
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| malformed(format!("not valid JSON ({e})")))?;
    let Value::Object(map) = value else {
        return Err(malformed(
            "the top level is not an object of columns".to_string(),
        ));
    };
    let mut names = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    for (name, column) in &map {
        let cells: Option<Vec<f64>> = match column {
            Value::Array(a) => a.iter().map(Value::as_f64).collect(),
            Value::Object(o) => {
                // Row index → value; the index gives the order.
                let mut rows: Vec<(f64, f64)> = Vec::with_capacity(o.len());
                for (k, v) in o {
                    rows.push((
                        k.parse().unwrap_or(f64::NAN),
                        v.as_f64().unwrap_or(f64::NAN),
                    ));
                }
                rows.sort_by(|a, b| a.0.total_cmp(&b.0));
                Some(rows.into_iter().map(|(_, v)| v).collect())
            }
            _ => None,
        };
        if let Some(cells) = cells {
            names.push(name.as_str());
            columns.push(cells);
        }
    }
    let n = columns.first().map_or(0, Vec::len);
    if columns.iter().any(|c| c.len() != n) {
        return Err(malformed("the columns differ in length".to_string()));
    }
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|r| columns.iter().map(|c| c[r]).collect())
        .collect();
    let table = header::made_table(path, &names, &rows);
    let mut layout = header::made_layout(&table, &names, "")?;
    layout.sign_known = false;
    Ok(Read::new(table, layout, Format::Json))
}

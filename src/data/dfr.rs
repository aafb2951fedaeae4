//! Autolab FRA `.dfr` files: `VERSION…`, the point count, a `1`, then one value per line,
//! nine per point (frequency, Z', −Z'', then six more), then a trailer (dates, options).

use super::error::DataError;
use super::header;
use super::text::{Text, number};
use super::{Format, Read};

/// Values per point.
const RECORD: usize = 9;

pub fn is_dfr(text: &Text) -> bool {
    text.lines.len() > 3
        && text.line(0).starts_with("VERSION")
        && text.line(1).trim().parse::<usize>().is_ok()
}

pub fn read(text: Text) -> Result<Read, DataError> {
    let path = text.path.clone();
    let malformed = |message: String| DataError::Malformed {
        path: path.clone(),
        message,
        help: "export the spectrum again from the Autolab software, or as ASCII/CSV".to_string(),
    };
    let count: usize = text.line(1).trim().parse().unwrap_or(0);
    let start = 3;
    let values: Vec<f64> = (start..text.lines.len())
        .take(count.saturating_mul(RECORD))
        .map_while(|i| number(text.line(i).trim(), true).ok())
        .collect();
    if count == 0 || values.len() < count * RECORD {
        return Err(malformed(format!(
            "the file announces {count} points but holds {} values of the {} they need",
            values.len(),
            count * RECORD
        )));
    }
    let rows: Vec<Vec<f64>> = values
        .chunks(RECORD)
        .map(|r| vec![r[0], r[1], r[2]])
        .collect();
    let names = ["frequency", "z'", "-z''"];
    let table = header::made_table(&path, &names, &rows);
    let layout = header::made_layout(&table, &names, "")?;
    let mut read = Read::new(table, layout, Format::AutolabDfr);
    read.metadata.software = Some(text.line(0).trim().to_string());
    Ok(read)
}

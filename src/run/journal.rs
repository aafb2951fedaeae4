//! The run journal: one JSON record per line, appended and flushed as each event happens.
//!
//! A record is `{"seq": n, "t_s": elapsed, "step": index-or-null, "event": kind, …fields}`.
//! Each line is written with a single `write_all` and flushed to the operating system before
//! the next event, so a crash, SIGKILL or disconnect leaves every record received so far on
//! disk. Readers ([`read_journal`]) skip a torn last line (a write cut short by a kill).

use crate::instrument::Reading;
use crate::plan::{CycleIndex, OnLimit, Solute};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the journal, from 0, continuing across resumes.
    pub seq: u64,
    /// Elapsed run time in seconds on the instrument's clock.
    pub t_s: f64,
    /// Plan step index; `None` for run-level events.
    pub step: Option<usize>,
    /// The cycle number of the step ([`crate::plan::Step::cycle_number`]), for steps inside
    /// a `repeat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<usize>,
    #[serde(flatten)]
    pub event: Event,
    /// UTC wall time of the write (RFC 3339, ms), on runs whose instrument keeps real time:
    /// a resumed run measures the pause from the last one. Absent on the simulator's journals
    /// (which stay identical for a seed) and in journals written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc: Option<String>,
    /// The channel that wrote the record, in the merged journal of a multi-channel run
    /// (see [`super::channels`]); absent in a one-channel journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

impl Record {
    /// The wall time of the write, when it was recorded.
    pub fn wall_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let utc = self.utc.as_deref()?;
        chrono::DateTime::parse_from_rfc3339(utc)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Completed,
    /// A potential limit ended the step (the run continues).
    Limited,
    Failed,
    Interrupted,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        protocol: String,
        instrument: String,
    },
    /// A resumed run continues in the same folder. `previous_t_s` is the last record's time;
    /// this record's `t_s` is where the run continues, later by the pause on a real device.
    RunResumed {
        from_step: usize,
        previous_t_s: f64,
    },
    StepStarted {
        kind: String,
        cell: String,
        planned_start_s: f64,
        planned_duration_s: f64,
        line: usize,
        /// The repeat iterations the step is in, outermost first (`Step::cycles`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        cycles: Vec<CycleIndex>,
        /// The temperature in force during the step, °C (`Step::temperature_c`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        temperature_c: Option<f64>,
    },
    SweepStarted {
        sweep: usize,
    },
    SweepEnded {
        sweep: usize,
    },
    /// A measurement, exactly as the instrument delivered it.
    Reading {
        reading: Reading,
    },
    LimitReached {
        potential_v: f64,
        max_abs_v: f64,
        on_limit: OnLimit,
    },
    /// The step's own stop condition was met (a signed potential cut-off, a charge or a current
    /// threshold): the step ends as planned, before its maximum duration.
    StopReached {
        /// What was reached, in words (`E reached -0.5 V`).
        condition: String,
    },
    /// A cell is brought to a temperature, by the instrument or by the operator.
    Temperature {
        cell: String,
        temperature_c: f64,
        /// `instrument` or `operator`.
        set_by: String,
    },
    Addition {
        stock: String,
        volume_ml: f64,
        composition_after: Vec<Solute>,
    },
    Prompt {
        message: String,
    },
    Answer {
        answer: Option<String>,
    },
    StepEnded {
        status: StepStatus,
    },
    Error {
        message: String,
    },
    RunEnded {
        status: RunStatus,
        reason: Option<String>,
    },
}

/// Final status of a run (also in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Completed,
    Failed,
    Interrupted,
}

/// Appends records to `journal.jsonl`.
#[derive(Debug)]
pub struct JournalWriter {
    file: File,
    path: PathBuf,
    next_seq: u64,
    /// Stamp each record with the UTC wall time ([`Record::utc`]).
    wall_clock: bool,
    removed_tail: Option<RemovedTail>,
    /// Cycle number of each plan step ([`JournalWriter::set_cycles`]).
    cycles: Vec<Option<usize>>,
}

/// An incomplete last line that [`JournalWriter::append`] cut off (a write torn by a kill).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedTail {
    /// 1-based line number of the fragment.
    pub line: usize,
    /// Its length in bytes.
    pub bytes: usize,
}

impl std::fmt::Display for RemovedTail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the journal ended in an incomplete record (line {}, {} bytes, cut short when the \
             run stopped); it was removed before resuming",
            self.line, self.bytes
        )
    }
}

impl JournalWriter {
    /// Creates a new journal, failing if one exists.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Ok(JournalWriter {
            file,
            path: path.to_path_buf(),
            next_seq: 0,
            wall_clock: false,
            removed_tail: None,
            cycles: Vec::new(),
        })
    }

    /// Opens an existing journal for appending (resume), continuing its sequence numbers.
    ///
    /// A last line without its newline is either a complete record (the kill came between the
    /// record and its newline: the newline is added) or a fragment, which is cut off so that the
    /// journal stays one record per line; [`JournalWriter::removed_tail`] then says so, for the
    /// resume to journal a warning. Every complete record is kept.
    pub fn append(path: &Path, next_seq: u64) -> io::Result<Self> {
        let text = std::fs::read(path)?;
        let mut file = OpenOptions::new().append(true).open(path)?;
        let start = text
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |newline| newline + 1);
        let tail = &text[start..];
        let mut removed_tail = None;
        if !tail.is_empty() {
            if serde_json::from_slice::<Record>(tail).is_ok() {
                file.write_all(b"\n")?;
            } else {
                file.set_len(start as u64)?;
                file.sync_all()?;
                removed_tail = Some(RemovedTail {
                    line: text[..start].iter().filter(|b| **b == b'\n').count() + 1,
                    bytes: tail.len(),
                });
            }
        }
        Ok(JournalWriter {
            file,
            path: path.to_path_buf(),
            next_seq,
            wall_clock: false,
            removed_tail,
            cycles: Vec::new(),
        })
    }

    /// From now on, stamp each record of a step inside a `repeat` with its cycle number.
    pub fn set_cycles(&mut self, plan: &crate::plan::Plan) {
        self.cycles = plan
            .steps
            .iter()
            .map(crate::plan::Step::cycle_number)
            .collect();
    }

    /// From now on, stamp every record with the UTC wall time.
    pub fn stamp_wall_clock(&mut self) {
        self.wall_clock = true;
    }

    /// The fragment [`JournalWriter::append`] removed, if the journal ended in one.
    pub fn removed_tail(&self) -> Option<&RemovedTail> {
        self.removed_tail.as_ref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record and flushes it to the operating system.
    pub fn write(&mut self, t_s: f64, step: Option<usize>, event: Event) -> io::Result<Record> {
        let record = Record {
            seq: self.next_seq,
            t_s,
            step,
            cycle: step.and_then(|i| self.cycles.get(i).copied().flatten()),
            event,
            utc: self
                .wall_clock
                .then(|| chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            channel: None,
        };
        let mut line = serde_json::to_vec(&record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.flush()?;
        self.next_seq += 1;
        Ok(record)
    }
}

/// What [`read_journal`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalContents {
    pub records: Vec<Record>,
    /// A last line without its newline that did not parse (a write cut short).
    pub torn_tail: bool,
    /// 1-based line numbers of complete lines that did not parse (reported, not fatal).
    pub bad_lines: Vec<usize>,
}

/// Reads a journal, keeping every complete record; a torn last line is skipped.
pub fn read_journal(path: &Path) -> io::Result<JournalContents> {
    let reader = BufReader::new(File::open(path)?);
    let mut contents = JournalContents::default();
    let mut lines = reader.split(b'\n').peekable();
    let ends_with_newline = std::fs::read(path)?.last().is_none_or(|b| *b == b'\n');
    let mut number = 0;
    while let Some(line) = lines.next() {
        let line = line?;
        number += 1;
        let is_last = lines.peek().is_none();
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Record>(&line) {
            Ok(record) => contents.records.push(record),
            Err(_) if is_last && !ends_with_newline => contents.torn_tail = true,
            Err(_) => contents.bad_lines.push(number),
        }
    }
    Ok(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_torn_tail_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut journal = JournalWriter::create(&path).unwrap();
        journal
            .write(
                0.0,
                None,
                Event::RunStarted {
                    protocol: "p.mgp".into(),
                    instrument: "sim".into(),
                },
            )
            .unwrap();
        let reading = Reading::EisPoint {
            t_s: 1.5,
            frequency_hz: 1e6,
            z_real_ohm: 12.0,
            z_imag_ohm: -0.5,
        };
        journal
            .write(
                1.5,
                Some(0),
                Event::Reading {
                    reading: reading.clone(),
                },
            )
            .unwrap();
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"seq\":2,\"t_s\":2.0,\"st").unwrap();
        let contents = read_journal(&path).unwrap();
        assert_eq!(contents.records.len(), 2);
        assert!(contents.torn_tail);
        assert_eq!(contents.records[1].event, Event::Reading { reading });
        let line = std::fs::read_to_string(&path).unwrap();
        assert!(
            line.lines()
                .nth(1)
                .unwrap()
                .contains("\"event\":\"reading\",\"reading\":{\"type\":\"eis_point\"")
        );

        let mut resumed = JournalWriter::append(&path, 2).unwrap();
        resumed.stamp_wall_clock();
        resumed
            .write(
                3.0,
                None,
                Event::Error {
                    message: "x".into(),
                },
            )
            .unwrap();
        assert_eq!(
            resumed.removed_tail(),
            Some(&RemovedTail { line: 3, bytes: 22 })
        );
        let contents = read_journal(&path).unwrap();
        assert_eq!(contents.records.len(), 3);
        assert!(contents.bad_lines.is_empty() && !contents.torn_tail);
        // Only the stamped writer's record carries a wall time, and it reads back.
        assert!(contents.records[1].utc.is_none());
        let stamped = contents.records[2].wall_time().expect("a wall time");
        assert!((chrono::Utc::now() - stamped).num_seconds().abs() < 3600);
        let seqs: Vec<u64> = contents.records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [0, 1, 2]);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
    }

    fn event(message: &str) -> Event {
        Event::Error {
            message: message.into(),
        }
    }

    /// A kill between a record and its newline leaves a complete record: it is kept.
    #[test]
    fn a_complete_last_record_without_newline_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut journal = JournalWriter::create(&path).unwrap();
        journal.write(0.0, None, event("a")).unwrap();
        journal.write(1.0, None, event("b")).unwrap();
        drop(journal);
        let text = std::fs::read(&path).unwrap();
        std::fs::write(&path, &text[..text.len() - 1]).unwrap();
        let mut resumed = JournalWriter::append(&path, 2).unwrap();
        assert_eq!(resumed.removed_tail(), None);
        resumed.write(2.0, None, event("c")).unwrap();
        let contents = read_journal(&path).unwrap();
        let seqs: Vec<u64> = contents.records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [0, 1, 2]);
        assert!(contents.bad_lines.is_empty());
    }

    /// Clean journals, empty ones and a fragment that is the only line.
    #[test]
    fn append_leaves_clean_journals_alone_and_cuts_a_lone_fragment() {
        let dir = tempfile::tempdir().unwrap();
        let clean = dir.path().join("clean.jsonl");
        let mut journal = JournalWriter::create(&clean).unwrap();
        journal.write(0.0, None, event("a")).unwrap();
        drop(journal);
        let before = std::fs::read(&clean).unwrap();
        assert_eq!(
            JournalWriter::append(&clean, 1).unwrap().removed_tail(),
            None
        );
        assert_eq!(std::fs::read(&clean).unwrap(), before);

        let empty = dir.path().join("empty.jsonl");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(
            JournalWriter::append(&empty, 0).unwrap().removed_tail(),
            None
        );

        let lone = dir.path().join("lone.jsonl");
        std::fs::write(&lone, b"{\"seq\":0,\"t_").unwrap();
        let resumed = JournalWriter::append(&lone, 0).unwrap();
        let removed = resumed.removed_tail().unwrap();
        assert_eq!((removed.line, removed.bytes), (1, 12));
        assert!(removed.to_string().contains("line 1"));
        assert_eq!(std::fs::read(&lone).unwrap(), b"");
    }
}

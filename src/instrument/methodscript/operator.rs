//! Steps a potentiostat cannot do (an operando addition, washing, reconnecting a cell): ask
//! the operator and wait.
//!
//! Takes a message and gives the operator's answer. The question and the answer go to the
//! sink as [`Sink::prompt`] and [`Sink::answer`] (the run journal's `prompt` and `answer`
//! events, as for a prompt step), stamped with the instrument clock. [`OperatorMode`] decides
//! what happens without a person at the terminal: `NonInteractive` makes such a step an
//! error, `ConfirmAll` confirms it
//! automatically (and says so in the journal).
//!
//! The console is a blocking [`Console`] (the CLI passes stdin and stderr: the library itself
//! never prints). It runs on its own thread so that Ctrl-C is noticed while the operator is
//! away: the wait polls [`Sink::interrupted`].

use crate::instrument::{InstrumentError, Reading, Sink};
use std::io::{BufRead, Write};
use std::time::Duration;

/// What to do when a step needs a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OperatorMode {
    /// Ask on the console and wait.
    #[default]
    Interactive,
    /// No one is there: such a step is an error (`--non-interactive`).
    NonInteractive,
    /// Confirm every step automatically (`--non-interactive --confirm-all`, or an emulator).
    ConfirmAll,
}

/// A place to ask questions: shows the prompt, returns the answer line. Blocking.
pub trait Console: Send {
    fn ask(&mut self, prompt: &str) -> std::io::Result<String>;
}

/// A console on a reader and a writer (the CLI passes stdin and stderr).
pub struct TerminalConsole<R, W> {
    input: R,
    output: W,
}

impl<R: BufRead + Send, W: Write + Send> TerminalConsole<R, W> {
    pub fn new(input: R, output: W) -> Self {
        TerminalConsole { input, output }
    }
}

impl<R: BufRead + Send, W: Write + Send> Console for TerminalConsole<R, W> {
    fn ask(&mut self, prompt: &str) -> std::io::Result<String> {
        write!(
            self.output,
            "\n>>> {prompt}\n>>> press Enter when done (or type a note; `abort` stops the run): "
        )?;
        self.output.flush()?;
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the console closed",
            ));
        }
        Ok(line.trim().to_string())
    }
}

/// Asks the operator, per the mode, journalling prompt and answer through the sink.
pub struct Operator {
    mode: OperatorMode,
    console: Option<Box<dyn Console>>,
}

impl Operator {
    pub fn new(mode: OperatorMode) -> Self {
        Operator {
            mode,
            console: None,
        }
    }

    pub fn set_console(&mut self, console: Box<dyn Console>) {
        self.console = Some(console);
    }

    pub fn mode(&self) -> OperatorMode {
        self.mode
    }

    /// Asks `message`; returns the answer (`""` for a bare Enter). `now_s` stamps the
    /// journal entries. With `journal_exchange`, the question and the answer go to the sink
    /// ([`Sink::prompt`], [`Sink::answer`]); without, the caller journals them (the
    /// interpreter does for a prompt step).
    pub async fn ask(
        &mut self,
        message: &str,
        sink: &mut dyn Sink,
        now_s: &dyn Fn() -> f64,
        journal_exchange: bool,
    ) -> Result<String, InstrumentError> {
        if sink.interrupted() {
            return Err(InstrumentError::Interrupted);
        }
        if journal_exchange {
            sink.prompt(now_s(), message)?;
        }
        match self.mode {
            OperatorMode::NonInteractive => {
                sink.reading(Reading::Warning {
                    t_s: now_s(),
                    message: format!("operator needed but the run is non-interactive: {message}"),
                })?;
                return Err(InstrumentError::Operator(format!(
                    "`{message}` needs an operator; run interactively, or pass --confirm-all \
                     if it is done by other means"
                )));
            }
            OperatorMode::ConfirmAll => {
                sink.reading(Reading::Warning {
                    t_s: now_s(),
                    message: format!(
                        "operator step confirmed automatically (--confirm-all): {message}"
                    ),
                })?;
                if journal_exchange {
                    sink.answer(now_s(), None)?;
                }
                return Ok(String::new());
            }
            OperatorMode::Interactive => {}
        }
        let Some(mut console) = self.console.take() else {
            return Err(InstrumentError::Operator(format!(
                "`{message}` needs an operator but no console is attached"
            )));
        };
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let prompt = message.to_string();
        std::thread::spawn(move || {
            let answer = console.ask(&prompt);
            let _ = tx.send((console, answer));
        });
        // Poll for Ctrl-C while the operator works; the thread is left behind on interrupt
        // (it is blocked on the console, and the run is ending).
        let (console, answer) = loop {
            match tokio::time::timeout(Duration::from_millis(100), &mut rx).await {
                Ok(Ok(result)) => break result,
                Ok(Err(_)) => {
                    return Err(InstrumentError::Operator("the console thread ended".into()));
                }
                Err(_) if sink.interrupted() => return Err(InstrumentError::Interrupted),
                Err(_) => {}
            }
        };
        self.console = Some(console);
        let answer = answer.map_err(|e| InstrumentError::Operator(format!("no answer: {e}")))?;
        if journal_exchange {
            sink.answer(now_s(), (!answer.is_empty()).then_some(answer.as_str()))?;
        }
        if answer.eq_ignore_ascii_case("abort") {
            return Err(InstrumentError::Operator(format!(
                "the operator stopped the run at `{message}`"
            )));
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::Flow;

    #[derive(Default)]
    struct Journal {
        readings: Vec<Reading>,
    }

    impl Sink for Journal {
        fn reading(&mut self, reading: Reading) -> Result<Flow, InstrumentError> {
            self.readings.push(reading);
            Ok(Flow::Continue)
        }
        fn interrupted(&self) -> bool {
            false
        }
    }

    fn texts(journal: &Journal) -> Vec<String> {
        journal
            .readings
            .iter()
            .map(|r| match r {
                Reading::Warning { message, .. } => message.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn interactive_answers_are_journalled() {
        let mut operator = Operator::new(OperatorMode::Interactive);
        let input = std::io::Cursor::new(b"\nlooks clean\nabort\n".to_vec());
        operator.set_console(Box::new(TerminalConsole::new(input, Vec::new())));
        let mut journal = Journal::default();
        let now = || 1.0;
        assert_eq!(
            operator
                .ask("add 0.1 mL", &mut journal, &now, true)
                .await
                .unwrap(),
            ""
        );
        assert_eq!(
            operator
                .ask("inspect", &mut journal, &now, true)
                .await
                .unwrap(),
            "looks clean"
        );
        assert!(matches!(
            operator.ask("wash", &mut journal, &now, true).await,
            Err(InstrumentError::Operator(_))
        ));
        assert!(matches!(
            operator.ask("again", &mut journal, &now, true).await,
            Err(InstrumentError::Operator(_))
        ));
        assert_eq!(
            texts(&journal)[..6],
            [
                "operator asked: add 0.1 mL",
                "operator answered: done",
                "operator asked: inspect",
                "operator answered: looks clean",
                "operator asked: wash",
                "operator answered: abort",
            ]
        );
    }

    #[tokio::test]
    async fn non_interactive_is_an_error_unless_confirmed() {
        let mut journal = Journal::default();
        let now = || 2.0;
        let mut strict = Operator::new(OperatorMode::NonInteractive);
        assert!(matches!(
            strict.ask("wash", &mut journal, &now, false).await,
            Err(InstrumentError::Operator(_))
        ));
        let mut lenient = Operator::new(OperatorMode::ConfirmAll);
        assert_eq!(
            lenient
                .ask("wash", &mut journal, &now, false)
                .await
                .unwrap(),
            ""
        );
        assert_eq!(journal.readings.len(), 2);
    }
}

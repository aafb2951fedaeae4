//! Check diagnostics: typed error and warning kinds (with the data for a helpful message), each
//! paired with a span in one file, and [`CheckFailure`], one report per checked protocol with
//! every problem as a `related()` diagnostic.

use crate::source::Span;
use crate::syntax::SyntaxError;
use crate::units::Dimension;
use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode};
use std::fmt;
use std::sync::Arc;

/// What is wrong. Messages are lowercase; names are in backticks.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    UnknownUnit {
        unit: String,
        suggestion: Option<&'static str>,
    },
    WrongDimension {
        expected: Dimension,
        found: Dimension,
        text: String,
        /// Why this place wants `expected` (shown as help).
        why: Option<String>,
    },
    NotPositive {
        what: String,
        text: String,
    },
    OutOfRange {
        what: String,
        text: String,
        range: String,
    },
    Undefined {
        what: &'static str,
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    Duplicate {
        what: &'static str,
        name: String,
        first: String,
    },
    UnknownMaterial {
        name: String,
        suggestion: Option<String>,
    },
    MissingField {
        owner: String,
        field: &'static str,
        example: &'static str,
    },
    DuplicateField {
        field: &'static str,
    },
    RatioMismatch {
        solvents: usize,
        parts: usize,
    },
    EmptyFrequencyRange {
        text: String,
    },
    FrequencyTooHigh {
        text: String,
        max: String,
    },
    EveryShorterThanSweep {
        every: String,
        sweep: String,
        points: usize,
    },
    SweepLongerThanRest {
        rest: String,
        sweep: String,
    },
    ReferenceOnTwoElectrodeCell {
        cell: String,
    },
    NothingToMeasure {
        cell: String,
        what: &'static str,
    },
    NotForCellKind {
        what: &'static str,
        kind: &'static str,
        allowed: &'static str,
    },
    AdditionIntoSealedCell {
        cell: String,
    },
    AdditionBeyondCompartment {
        after: String,
        capacity: String,
    },
    UnreachableConcentration {
        species: String,
        target: String,
        reason: String,
    },
    ImmersionNeedsStrip {
        electrode: String,
    },
    StepWithoutCell {
        cells: usize,
    },
    EisEveryOutsideRest,
    SeriesCellsMismatch {
        currents: usize,
        cells: usize,
    },
    SeriesWithoutGalvanostatic,
    AboveSafetyLimit {
        what: &'static str,
        value: String,
        limit: String,
    },
    ImportCycle {
        chain: Vec<String>,
    },
    MissingImport {
        path: String,
        reason: String,
    },
    /// The protocol named on the command line cannot be read.
    UnreadableProtocol {
        path: String,
        reason: String,
    },
    NotAllowedInImport {
        what: &'static str,
    },
    BadCircuit {
        reason: String,
    },
    FitNeedsEis {
        what: String,
    },
    TraceNeedsGalvanostatic {
        label: String,
    },
    AmbiguousStep {
        label: String,
        count: usize,
    },
    StepIndexOutOfRange {
        label: String,
        index: usize,
        count: usize,
    },
    TimeOutsideSeries {
        at: String,
        length: String,
        fit: String,
    },
    MissingTime {
        fit: String,
    },
    StatNeedsRange,
    /// A per-cycle metric that cannot be read from the plan's cycles.
    BadCycleMetric {
        message: String,
        label: String,
        help: String,
    },
    IncompatibleDimensions {
        op: &'static str,
        left: Dimension,
        right: Dimension,
    },
    CurrentGivenTwice,
    /// `at 1,5 mA/cm2` outside a series: a list of currents where one step takes one.
    CurrentListOutsideSeries {
        text: String,
        count: usize,
        /// The decimal number a comma may have meant (`1.5 mA/cm2`).
        decimal: Option<String>,
    },
    /// A value no lab could mean: outside what an instrument resolves or an experiment lasts.
    Implausible {
        message: String,
        why: &'static str,
    },
    AdditionDwarfsElectrolyte {
        added: String,
        before: String,
        cell: String,
    },
    /// More of an electrode wetted than it has (deeper than a strip is long, a wetted area
    /// beyond both faces).
    WettingBeyondElectrode {
        text: String,
        electrode: String,
        has: String,
        help: String,
    },
}

/// Suspicious but legal.
#[derive(Debug, Clone, PartialEq)]
pub enum WarningKind {
    HighAmplitude {
        amplitude: String,
    },
    RestWithoutMeasurement,
    SweepLowToHigh,
    MissingReferenceTip {
        cell: String,
    },
    UncheckedAddition {
        cell: String,
    },
    WettedAboveNominal {
        electrode: String,
        wetted: String,
        nominal: String,
    },
    /// Two operator steps at the same time on different channels (cells run concurrently).
    OperatorCollision {
        kind: String,
        other_kind: String,
        other_cell: String,
        other_line: usize,
        at: String,
    },
}

fn an(dimension: Dimension) -> String {
    let name = dimension.name();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

impl ErrorKind {
    pub fn code(&self) -> &'static str {
        use ErrorKind::*;
        match self {
            UnknownUnit { .. } => "mgp::check::unknown_unit",
            WrongDimension { .. } => "mgp::check::wrong_dimension",
            NotPositive { .. } => "mgp::check::not_positive",
            OutOfRange { .. } => "mgp::check::out_of_range",
            Undefined { .. } => "mgp::check::undefined_name",
            Duplicate { .. } => "mgp::check::duplicate_name",
            UnknownMaterial { .. } => "mgp::check::unknown_material",
            MissingField { .. } => "mgp::check::missing_field",
            DuplicateField { .. } => "mgp::check::duplicate_field",
            RatioMismatch { .. } => "mgp::check::ratio_mismatch",
            EmptyFrequencyRange { .. } => "mgp::check::empty_frequency_range",
            FrequencyTooHigh { .. } => "mgp::check::frequency_too_high",
            EveryShorterThanSweep { .. } => "mgp::check::every_shorter_than_sweep",
            SweepLongerThanRest { .. } => "mgp::check::sweep_longer_than_rest",
            ReferenceOnTwoElectrodeCell { .. } => "mgp::check::reference_on_two_electrode_cell",
            NothingToMeasure { .. } => "mgp::check::nothing_to_measure",
            NotForCellKind { .. } => "mgp::check::not_for_cell_kind",
            AdditionIntoSealedCell { .. } => "mgp::check::addition_into_sealed_cell",
            AdditionBeyondCompartment { .. } => "mgp::check::addition_beyond_compartment",
            UnreachableConcentration { .. } => "mgp::check::unreachable_concentration",
            ImmersionNeedsStrip { .. } => "mgp::check::immersion_needs_strip",
            StepWithoutCell { .. } => "mgp::check::step_without_cell",
            EisEveryOutsideRest => "mgp::check::eis_every_outside_rest",
            SeriesCellsMismatch { .. } => "mgp::check::series_cells_mismatch",
            SeriesWithoutGalvanostatic => "mgp::check::series_without_galvanostatic",
            AboveSafetyLimit { .. } => "mgp::check::above_safety_limit",
            ImportCycle { .. } => "mgp::check::import_cycle",
            MissingImport { .. } => "mgp::check::missing_import",
            UnreadableProtocol { .. } => "mgp::check::unreadable_protocol",
            NotAllowedInImport { .. } => "mgp::check::not_allowed_in_import",
            BadCircuit { .. } => "mgp::check::bad_circuit",
            FitNeedsEis { .. } => "mgp::check::fit_needs_eis",
            TraceNeedsGalvanostatic { .. } => "mgp::check::trace_needs_galvanostatic",
            AmbiguousStep { .. } => "mgp::check::ambiguous_step",
            StepIndexOutOfRange { .. } => "mgp::check::step_index_out_of_range",
            TimeOutsideSeries { .. } => "mgp::check::time_outside_series",
            MissingTime { .. } => "mgp::check::missing_time",
            StatNeedsRange => "mgp::check::statistic_needs_range",
            BadCycleMetric { .. } => "mgp::check::cycle_metric",
            IncompatibleDimensions { .. } => "mgp::check::incompatible_dimensions",
            CurrentGivenTwice => "mgp::check::current_given_twice",
            CurrentListOutsideSeries { .. } => "mgp::check::current_list_outside_series",
            Implausible { .. } => "mgp::check::implausible",
            AdditionDwarfsElectrolyte { .. } => "mgp::check::addition_dwarfs_electrolyte",
            WettingBeyondElectrode { .. } => "mgp::check::wetting_beyond_electrode",
        }
    }

    pub fn message(&self) -> String {
        use ErrorKind::*;
        match self {
            UnknownUnit { unit, .. } => format!("unknown unit `{unit}`"),
            WrongDimension {
                expected,
                found,
                text,
                ..
            } => format!(
                "expected {} such as {}, found {} {text}",
                an(*expected),
                expected.example(),
                an(*found)
            ),
            NotPositive { what, text } => format!("{what} must be positive, found {text}"),
            OutOfRange { what, text, range } => format!("{what} must be {range}, found {text}"),
            Undefined { what, name, .. } => format!("no {what} named `{name}`"),
            Duplicate { what, name, .. } => format!("{what} `{name}` is defined twice"),
            UnknownMaterial { name, .. } => format!("unknown electrode material `{name}`"),
            MissingField { owner, field, .. } => format!("{owner} has no `{field}`"),
            DuplicateField { field } => format!("`{field}` is given twice"),
            RatioMismatch { solvents, parts } => {
                format!("{solvents} solvents but {parts} parts in the ratio")
            }
            EmptyFrequencyRange { text } => format!("the frequency range {text} is empty"),
            FrequencyTooHigh { text, max } => {
                format!("{text} is above the instrument's highest frequency, {max}")
            }
            EveryShorterThanSweep { every, sweep, .. } => {
                format!("EIS repeated every {every}, but one sweep takes {sweep}")
            }
            SweepLongerThanRest { rest, sweep } => {
                format!("one EIS sweep takes {sweep}, longer than the {rest} rest")
            }
            ReferenceOnTwoElectrodeCell { cell } => {
                format!("cell `{cell}` has no reference electrode; this measures against one")
            }
            NothingToMeasure { cell, what } => {
                format!("{what} needs two electrodes, but `{cell}` is a soak vial")
            }
            NotForCellKind { what, kind, .. } => format!("{what} does not apply to a {kind} cell"),
            AdditionIntoSealedCell { cell } => {
                format!("cell `{cell}` is sealed; nothing can be added while it runs")
            }
            AdditionBeyondCompartment { after, capacity } => format!(
                "after this addition the compartment would hold {after}, more than its {capacity}"
            ),
            UnreachableConcentration {
                species, target, ..
            } => format!("{species} {target} cannot be reached by this addition"),
            ImmersionNeedsStrip { electrode } => {
                format!("an immersion depth needs a strip, but `{electrode}` is not one")
            }
            StepWithoutCell { .. } => "this step is not inside an `on CELL { … }` block".into(),
            EisEveryOutsideRest => "`eis every` belongs inside a rest".into(),
            SeriesCellsMismatch { currents, cells } => {
                format!("{currents} currents but {cells} cells in this series")
            }
            SeriesWithoutGalvanostatic => "this series has no galvanostatic step".into(),
            AboveSafetyLimit { what, value, limit } => {
                format!("{what} {value} is above the safety limit of {limit}")
            }
            ImportCycle { chain } => format!("import cycle: {}", chain.join(" → ")),
            MissingImport { path, .. } => format!("cannot read imported file `{path}`"),
            UnreadableProtocol { path, .. } => format!("cannot read protocol `{path}`"),
            NotAllowedInImport { what } => format!("{what} is not allowed in an imported file"),
            BadCircuit { reason } => format!("bad circuit string: {reason}"),
            FitNeedsEis { what } => format!("{what} measures no impedance"),
            TraceNeedsGalvanostatic { label } => {
                format!("step `{label}` is not galvanostatic; it has no potential trace")
            }
            AmbiguousStep { label, count } => {
                format!("`{label}` names {count} steps; this needs exactly one")
            }
            StepIndexOutOfRange {
                label,
                index,
                count,
            } => format!("`{label}[{index}]`: there are only {count} steps named `{label}`"),
            TimeOutsideSeries { at, length, fit } => {
                format!("{at} is outside the fit `{fit}`, whose sweeps cover 0 s to {length}")
            }
            MissingTime { fit } => format!("which sweep of `{fit}`? no time or statistic given"),
            StatNeedsRange => "a statistic is taken over a range, not at one time".into(),
            BadCycleMetric { message, .. } => message.clone(),
            IncompatibleDimensions { op, left, right } => {
                format!("cannot take the {op} of {} and {}", an(*left), an(*right))
            }
            CurrentGivenTwice => "the current is given by the series and again here".into(),
            CurrentListOutsideSeries { text, count, .. } => format!(
                "`{text}` is a list of {count} currents, but a galvanostatic step runs at one"
            ),
            Implausible { message, .. } => message.clone(),
            AdditionDwarfsElectrolyte {
                added,
                before,
                cell,
            } => format!(
                "adding {added} to the {before} of electrolyte in cell `{cell}` is more than ten times what it holds"
            ),
            WettingBeyondElectrode {
                text,
                electrode,
                has,
                ..
            } => format!("`{text}` is more than electrode `{electrode}` has ({has})"),
        }
    }

    fn label(&self) -> String {
        use ErrorKind::*;
        match self {
            UnknownUnit { .. } => "unknown unit".into(),
            WrongDimension { found, .. } => format!("this is {}", an(*found)),
            NotPositive { .. } => "not positive".into(),
            OutOfRange { .. } => "out of range".into(),
            Undefined { what, .. } => format!("undefined {what}"),
            Duplicate { .. } => "defined again here".into(),
            UnknownMaterial { .. } => "unknown material".into(),
            MissingField { field, .. } => format!("`{field}` missing"),
            DuplicateField { .. } => "given again here".into(),
            RatioMismatch { .. } => "ratio does not match the solvents".into(),
            EmptyFrequencyRange { .. } => "from and to are equal".into(),
            FrequencyTooHigh { .. } => "too high".into(),
            EveryShorterThanSweep { .. } => "shorter than one sweep".into(),
            SweepLongerThanRest { .. } => "does not fit in the rest".into(),
            ReferenceOnTwoElectrodeCell { .. } => "needs a reference electrode".into(),
            NothingToMeasure { .. } => "nothing to measure against".into(),
            NotForCellKind { .. } => "not for this kind of cell".into(),
            AdditionIntoSealedCell { .. } => "sealed cell".into(),
            AdditionBeyondCompartment { .. } => "overflows".into(),
            UnreachableConcentration { .. } => "unreachable".into(),
            ImmersionNeedsStrip { .. } => "not a strip".into(),
            StepWithoutCell { .. } => "which cell?".into(),
            EisEveryOutsideRest => "outside a rest".into(),
            SeriesCellsMismatch { .. } => "one cell per current".into(),
            SeriesWithoutGalvanostatic => "no galvanostatic step inside".into(),
            AboveSafetyLimit { .. } => "above the limit".into(),
            ImportCycle { .. } => "this import closes the cycle".into(),
            MissingImport { .. } | UnreadableProtocol { .. } => "cannot read".into(),
            NotAllowedInImport { .. } => "only definitions may be imported".into(),
            BadCircuit { .. } => "bad circuit".into(),
            FitNeedsEis { .. } => "no EIS here".into(),
            TraceNeedsGalvanostatic { .. } => "not galvanostatic".into(),
            AmbiguousStep { .. } => "ambiguous".into(),
            StepIndexOutOfRange { .. } => "no such step".into(),
            TimeOutsideSeries { .. } => "outside the series".into(),
            MissingTime { .. } => "when?".into(),
            StatNeedsRange => "a single time".into(),
            BadCycleMetric { label, .. } => label.clone(),
            IncompatibleDimensions { .. } => "different dimensions".into(),
            CurrentGivenTwice => "given twice".into(),
            CurrentListOutsideSeries { .. } => "a list of currents".into(),
            Implausible { .. } => "implausible".into(),
            AdditionDwarfsElectrolyte { .. } => "over ten times the electrolyte".into(),
            WettingBeyondElectrode { .. } => "beyond the electrode".into(),
        }
    }

    fn help(&self) -> Option<String> {
        use ErrorKind::*;
        Some(match self {
            UnknownUnit { suggestion, .. } => match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "units are written like 5 mV, 10 mA/cm2, 400 kOhm cm2, 80 uL".into(),
            },
            WrongDimension {
                expected,
                found,
                why,
                ..
            } => {
                if let Some(why) = why {
                    why.clone()
                } else if *expected == Dimension::CurrentDensity && *found == Dimension::Current {
                    "give a density or declare the electrode area".into()
                } else if expected.areal_pair() == Some(*found) {
                    if expected.is_areal() {
                        format!(
                            "areal values are per cm² of the cell's normalising area: write it like {}",
                            expected.example()
                        )
                    } else {
                        format!(
                            "this value is absolute: write it like {}",
                            expected.example()
                        )
                    }
                } else if *found == Dimension::Dimensionless {
                    format!("add a unit, such as {}", expected.example())
                } else {
                    format!("write {} such as {}", an(*expected), expected.example())
                }
            }
            NotPositive { what, .. } => format!("give {what} greater than zero"),
            OutOfRange { range, .. } => format!("give a value {range}"),
            Undefined {
                suggestion, known, ..
            } => match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None if known.is_empty() => {
                    "define it before use (or import the file that does)".into()
                }
                None => format!("defined here: {}", known.join(", ")),
            },
            Duplicate { first, .. } => {
                format!("first defined at {first}; give each a distinct name")
            }
            UnknownMaterial { suggestion, .. } => match suggestion {
                Some(s) => format!("did you mean `{s}`? known materials: Mg, Li, glassy carbon, Cu, stainless_steel, Pt, Al, Au"),
                None => "known materials: Mg, Li, glassy carbon, Cu, stainless_steel, Pt, Al, Au".into(),
            },
            MissingField { field, example, .. } => {
                format!("add `{field}`, for example `{example}`")
            }
            DuplicateField { .. } => "keep one of them".into(),
            RatioMismatch { .. } => {
                "write one part per solvent, like `TEGDME:DOL 1:1 by volume`".into()
            }
            EmptyFrequencyRange { .. } => {
                "sweep from a high to a low frequency, like `1 MHz to 20 mHz`".into()
            }
            FrequencyTooHigh { max, .. } => format!(
                "start at {max} or lower, or raise `max frequency` in an `eis timing` block"
            ),
            EveryShorterThanSweep { sweep, points, .. } => format!(
                "the sweep has {points} frequencies; repeat every {sweep} or more, or narrow the range"
            ),
            SweepLongerThanRest { .. } => "rest longer or narrow the frequency range".into(),
            ReferenceOnTwoElectrodeCell { .. } => {
                "measure `vs counter`, or use a three_electrode cell".into()
            }
            NothingToMeasure { .. } => {
                "a soak vial holds one electrode at open circuit; rest it without measurements"
                    .into()
            }
            NotForCellKind { allowed, .. } => format!("this is for {allowed}"),
            AdditionIntoSealedCell { .. } => {
                "additions need an open cell: a three_electrode cell or a soak vial".into()
            }
            AdditionBeyondCompartment { .. } => "add less, or state a larger `compartment`".into(),
            UnreachableConcentration { reason, .. } => reason.clone(),
            ImmersionNeedsStrip { .. } => {
                "give the immersed fraction (`immersed 50 %`) or the area (`wetted 0.9 cm2`)".into()
            }
            StepWithoutCell { cells } => {
                if *cells == 0 {
                    "define a cell and put the steps in `on CELL { … }`".into()
                } else {
                    format!("the protocol has {cells} cells: put the steps in `on CELL {{ … }}`")
                }
            }
            EisEveryOutsideRest => "write `rest 1 h { eis every 5 min: … }`".into(),
            SeriesCellsMismatch { .. } => "name one cell per current, in the same order".into(),
            SeriesWithoutGalvanostatic => {
                "add `galvanostatic strip working` inside; it takes the series' current".into()
            }
            AboveSafetyLimit { .. } => "lower the value or raise the limit in `limits`".into(),
            ImportCycle { .. } => "move the shared definitions into a file both can import".into(),
            MissingImport { reason, .. } => {
                format!("{reason}; paths are relative to the importing file")
            }
            UnreadableProtocol { reason, .. } => {
                format!("{reason}; give the path of a `.mgp` text file")
            }
            NotAllowedInImport { .. } => {
                "imported files hold solutions, electrodes, separators, spacers and cells".into()
            }
            BadCircuit { .. } => "write circuits like \"Re-R(CPE)\" or \"R0-p(R1,CPE1)\"".into(),
            FitNeedsEis { .. } => {
                "fit steps that run EIS (`eis …` or `rest … { eis every … }`)".into()
            }
            TraceNeedsGalvanostatic { .. } => "name a galvanostatic step".into(),
            AmbiguousStep { label, .. } => {
                format!("add `on CELL` or an index like `{label}[1]`")
            }
            StepIndexOutOfRange { .. } => "indices start at 1".into(),
            TimeOutsideSeries { .. } => {
                "times are measured from the start of the fit's first step".into()
            }
            MissingTime { fit } => format!("write `R of {fit} at 20 h` or `mean R of {fit}`"),
            StatNeedsRange => {
                "write `from 0 h to 20 h`, or leave the range out for the whole series".into()
            }
            BadCycleMetric { help, .. } => help.clone(),
            IncompatibleDimensions { .. } => "compare like with like".into(),
            CurrentGivenTwice => "leave `at …` out inside a series".into(),
            CurrentListOutsideSeries { text, decimal, .. } => match decimal {
                Some(d) => format!(
                    "did you mean {d}? write decimals with a point; to run the step at each current, use `series {text} for … {{ … }}`"
                ),
                None => format!(
                    "write one current, or run the step at each current with `series {text} for … {{ … }}`"
                ),
            },
            Implausible { why, .. } => why.to_string(),
            AdditionDwarfsElectrolyte { .. } => {
                "check the unit (uL or mL); if the cell really holds it, declare its `compartment` volume".into()
            }
            WettingBeyondElectrode { help, .. } => help.clone(),
        })
    }
}

impl WarningKind {
    pub fn code(&self) -> &'static str {
        match self {
            WarningKind::HighAmplitude { .. } => "mgp::check::high_amplitude",
            WarningKind::RestWithoutMeasurement => "mgp::check::rest_without_measurement",
            WarningKind::SweepLowToHigh => "mgp::check::sweep_low_to_high",
            WarningKind::MissingReferenceTip { .. } => "mgp::check::missing_reference_tip",
            WarningKind::UncheckedAddition { .. } => "mgp::check::unchecked_addition",
            WarningKind::WettedAboveNominal { .. } => "mgp::check::wetted_above_nominal",
            WarningKind::OperatorCollision { .. } => "mgp::check::operator_collision",
        }
    }

    pub fn message(&self) -> String {
        match self {
            WarningKind::HighAmplitude { amplitude } => {
                format!("an EIS amplitude of {amplitude} rms is large for a linear response")
            }
            WarningKind::RestWithoutMeasurement => "this rest records nothing".into(),
            WarningKind::SweepLowToHigh => "this sweep is written from low to high".into(),
            WarningKind::MissingReferenceTip { cell } => {
                format!(
                    "three-electrode cell `{cell}` does not say where the reference bridge tip is"
                )
            }
            WarningKind::UncheckedAddition { cell } => format!(
                "cell `{cell}` has no `compartment` volume, so this addition cannot be checked against it"
            ),
            WarningKind::WettedAboveNominal {
                electrode,
                wetted,
                nominal,
            } => format!(
                "the wetted area {wetted} is larger than the nominal {nominal} of electrode `{electrode}`"
            ),
            WarningKind::OperatorCollision {
                kind,
                other_kind,
                other_cell,
                other_line,
                at,
            } => format!(
                "this {kind} falls at {at}, within a minute of the {other_kind} on cell                  `{other_cell}` (line {other_line}), and the cells run at the same time"
            ),
        }
    }

    fn label(&self) -> String {
        match self {
            WarningKind::HighAmplitude { .. } => "above 20 mV rms".into(),
            WarningKind::RestWithoutMeasurement => "no EIS, no sampling".into(),
            WarningKind::SweepLowToHigh => "measured from high to low".into(),
            WarningKind::MissingReferenceTip { .. } => "no `reference tip`".into(),
            WarningKind::UncheckedAddition { .. } => "unchecked".into(),
            WarningKind::WettedAboveNominal { .. } => "above the nominal area".into(),
            WarningKind::OperatorCollision { .. } => "the operator is busy then".into(),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            WarningKind::HighAmplitude { .. } => "5 to 10 mV rms keeps the response linear".into(),
            WarningKind::RestWithoutMeasurement => {
                "add `sample every 10 s` or `eis every …`, or is this rest only a wait?".into()
            }
            WarningKind::SweepLowToHigh => "the plan lists frequencies from high to low".into(),
            WarningKind::MissingReferenceTip { .. } => {
                "add `reference tip 2 mm` (distance from the working electrode); it sets the uncompensated resistance".into()
            }
            WarningKind::UncheckedAddition { .. } => "add `compartment 1.5 mL` to the cell".into(),
            WarningKind::WettedAboveNominal { .. } => {
                "the nominal area is one face; a wetted area above it counts both faces: make sure that is meant".into()
            }
            WarningKind::OperatorCollision { .. } => {
                "one operator cannot do both: shift one cell's steps (a rest before it), or put the cells on one channel (`mgp run --channel CELL=…`)".into()
            }
        })
    }
}

/// A located problem of either severity.
struct Located<K> {
    kind: K,
    span: Span,
    source: Arc<NamedSource<String>>,
}

/// One error found by the checker, in one file.
pub struct CheckError(Box<Located<ErrorKind>>);

/// One warning: suspicious but legal.
pub struct Warning(Box<Located<WarningKind>>);

impl CheckError {
    pub(crate) fn new(kind: ErrorKind, span: Span, source: Arc<NamedSource<String>>) -> Self {
        CheckError(Box::new(Located { kind, span, source }))
    }
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }
    pub fn span(&self) -> Span {
        self.0.span
    }
    pub fn path(&self) -> &str {
        self.0.source.name()
    }
}

impl Warning {
    pub(crate) fn new(kind: WarningKind, span: Span, source: Arc<NamedSource<String>>) -> Self {
        Warning(Box::new(Located { kind, span, source }))
    }
    pub fn kind(&self) -> &WarningKind {
        &self.0.kind
    }
    pub fn span(&self) -> Span {
        self.0.span
    }
    pub fn path(&self) -> &str {
        self.0.source.name()
    }
}

macro_rules! located_diagnostic {
    ($ty:ty, $severity:expr) => {
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("kind", &self.0.kind)
                    .field("span", &self.0.span)
                    .field("path", &self.path())
                    .finish()
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0.kind.message())
            }
        }
        impl std::error::Error for $ty {}
        impl Diagnostic for $ty {
            fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
                Some(Box::new(self.0.kind.code()))
            }
            fn severity(&self) -> Option<Severity> {
                Some($severity)
            }
            fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
                self.0
                    .kind
                    .help()
                    .map(|h| Box::new(h) as Box<dyn fmt::Display>)
            }
            fn source_code(&self) -> Option<&dyn SourceCode> {
                Some(&*self.0.source)
            }
            fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
                Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
                    Some(self.0.kind.label()),
                    self.0.span,
                ))))
            }
        }
    };
}

located_diagnostic!(CheckError, Severity::Error);
located_diagnostic!(Warning, Severity::Warning);

/// A problem that stops a protocol from checking: a syntax error or a check error.
#[derive(Debug)]
pub enum Problem {
    Syntax(SyntaxError),
    Check(CheckError),
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Syntax(e) => e.kind().code(),
            Problem::Check(e) => e.kind().code(),
        }
    }

    fn inner(&self) -> &dyn Diagnostic {
        match self {
            Problem::Syntax(e) => e,
            Problem::Check(e) => e,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.inner(), f)
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner().code()
    }
    fn severity(&self) -> Option<Severity> {
        self.inner().severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner().help()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.inner().source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner().labels()
    }
}

/// A protocol that does not check: every problem found, as `related()` diagnostics, plus the
/// warnings found on the way.
#[derive(Debug)]
pub struct CheckFailure {
    pub path: String,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "`{}` does not check: {n} error{}",
            self.path,
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for CheckFailure {}

impl Diagnostic for CheckFailure {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("mgp::check::failed"))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(
            self.problems
                .iter()
                .map(|p| p as &dyn Diagnostic)
                .chain(self.warnings.iter().map(|w| w as &dyn Diagnostic)),
        ))
    }
}

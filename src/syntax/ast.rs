//! The abstract syntax tree: what a protocol says, in the order it says it, with the span of
//! every piece. Produced by [`super::parse`]; read by `check` (to build the `Plan`) and by
//! [`super::format`] (to print the canonical layout).
//!
//! The tree keeps numbers and units as written (`0.175`, `µF/cm²`) so that `mgp fmt` never
//! changes what a file means, and it drops only what is cosmetic (optional commas and `;`,
//! `then` before an action, `at most` vs `within`). Units are resolved by the checker.

// Trees are built once per file and read a few times; boxing variants would only add noise.
#![allow(clippy::large_enum_variant)]

use crate::source::Span;
use serde::Serialize;

/// A node with the span it was parsed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

/// A name as written (solution, electrode, cell, fit, quantity …).
pub type Ident = Spanned<String>;

/// A whole file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ast {
    pub items: Vec<Item>,
    /// Every `#` comment, in order (kept for `mgp fmt`).
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    /// The text after `#`, without the line break.
    pub text: String,
    pub span: Span,
}

/// A number as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Number {
    pub value: f64,
    pub text: String,
    pub span: Span,
}

/// A number with a unit as written (`80 uL`); the unit may be absent where plain numbers are
/// allowed (`above 0.95`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    pub number: Number,
    pub unit: Option<Spanned<String>>,
    pub span: Span,
}

/// A sum of quantities (`20 h 10 min`); used for durations and amounts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Time {
    pub parts: Vec<Quantity>,
    pub span: Span,
}

/// One top-level item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Item {
    Meta(Spanned<Meta>),
    Import(Spanned<String>),
    Solution(Spanned<SolutionDef>),
    Electrode(Spanned<ElectrodeDef>),
    Separator(Spanned<PartDef>),
    Spacer(Spanned<PartDef>),
    Cell(Spanned<CellDef>),
    Limits(Spanned<LimitsDef>),
    EisTiming(Spanned<TimingDef>),
    On(Spanned<OnBlock>),
    /// A step outside an `on` block (allowed when the protocol has one cell).
    Step(Step),
    Analyze(Spanned<AnalyzeBlock>),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Meta(x) => x.span,
            Item::Import(x) => x.span,
            Item::Solution(x) => x.span,
            Item::Electrode(x) => x.span,
            Item::Separator(x) | Item::Spacer(x) => x.span,
            Item::Cell(x) => x.span,
            Item::Limits(x) => x.span,
            Item::EisTiming(x) => x.span,
            Item::On(x) => x.span,
            Item::Step(x) => x.span,
            Item::Analyze(x) => x.span,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MetaKey {
    Title,
    Source,
    Author,
    Note,
}

impl MetaKey {
    pub fn keyword(self) -> &'static str {
        match self {
            MetaKey::Title => "title",
            MetaKey::Source => "source",
            MetaKey::Author => "author",
            MetaKey::Note => "note",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    pub key: MetaKey,
    pub value: Spanned<String>,
}

/// The position of a block's closing brace (where trailing comments of the block end).
pub type Close = Span;

// ---------------------------------------------------------------------------------------------
// Solutions

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolutionDef {
    pub name: Ident,
    pub statements: Vec<Spanned<SolutionStmt>>,
    pub close: Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RatioBasis {
    Volume,
    Mass,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SolutionStmt {
    Salt {
        species: Spanned<String>,
        concentration: Quantity,
        nominal: bool,
    },
    Solvent {
        names: Vec<Spanned<String>>,
        ratio: Option<(Vec<Number>, RatioBasis)>,
    },
    Water {
        limit: Quantity,
    },
}

// ---------------------------------------------------------------------------------------------
// Electrodes, separators, spacers

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElectrodeDef {
    pub name: Ident,
    /// `electrode a from b { … }`: starts from b's geometry and pretreatments.
    pub base: Option<Ident>,
    pub statements: Vec<Spanned<ElectrodeStmt>>,
    pub close: Close,
}

/// A material as written: `Mg`, `glassy carbon`, `"GF-A glass fibre"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaterialName {
    pub text: String,
    pub quoted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SheetWord {
    Foil,
    Ribbon,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ElectrodeStmt {
    Material(Spanned<MaterialName>),
    /// `foil 100 um` / `ribbon 200 um`: the sheet the electrode is cut from.
    Sheet {
        word: SheetWord,
        thickness: Quantity,
    },
    Thickness(Quantity),
    Disc(Quantity),
    Strip {
        width: Quantity,
        length: Quantity,
    },
    /// `rod 1.6 mm cut face`: the exposed cut face of a rod.
    Rod(Quantity),
    Area(Quantity),
    Brush {
        grit: Spanned<String>,
        directions: Option<Number>,
    },
    Dry {
        temperature: Quantity,
        duration: Time,
    },
    Soak {
        solution: Ident,
        duration: Time,
    },
    Wash {
        solvent: Spanned<String>,
    },
}

/// A separator or spacer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartDef {
    pub name: Ident,
    pub statements: Vec<Spanned<PartStmt>>,
    pub close: Close,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum PartStmt {
    Material(Spanned<MaterialName>),
    Disc(Quantity),
    Thickness(Quantity),
}

// ---------------------------------------------------------------------------------------------
// Cells

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CellKindWord {
    Symmetric,
    Asymmetric,
    ThreeElectrode,
    SoakVial,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CasingWord {
    Coin,
    Swagelok,
    Pouch,
    Glass,
    Vial,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RoleWord {
    Working,
    Counter,
    Reference,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConnectionWord {
    TwoElectrode,
    ThreeElectrode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WettingWord {
    /// `immersed 9 mm` (depth along a strip) or `immersed 25 %` (fraction of the area).
    Immersed,
    /// `wetted 0.9 cm2` (the wetted area itself).
    Wetted,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellDef {
    /// `cell a, b, c: …` defines identical cells.
    pub names: Vec<Ident>,
    pub kind: Spanned<CellKindWord>,
    pub casing: Option<Spanned<CasingWord>>,
    /// `coin CR2032`: the coin-cell format after the casing word.
    pub coin_format: Option<Spanned<String>>,
    pub statements: Vec<Spanned<CellStmt>>,
    pub close: Close,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CellStmt {
    Electrolyte {
        reference: bool,
        solution: Ident,
        volume: Quantity,
    },
    Tip(Quantity),
    Electrode {
        role: RoleWord,
        electrode: Ident,
        wetting: Option<(WettingWord, Quantity)>,
    },
    Separator(Ident),
    Spacers(Vec<Ident>),
    Pressure(Quantity),
    Gap(Quantity),
    Connection(ConnectionWord),
    Compartment(Quantity),
    /// `normalise by wetted area`: areal values per the working electrode's wetted area.
    NormaliseByWetted,
    /// `temperature 40 degC`: the cell is held at this temperature.
    Temperature(Quantity),
    /// `spring "wave spring 1.1 mm"` (coin cells).
    Spring(Spanned<String>),
}

// ---------------------------------------------------------------------------------------------
// Global settings

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OnLimitWord {
    Abort,
    EndStep,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitsDef {
    pub statements: Vec<Spanned<LimitStmt>>,
    pub close: Close,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LimitStmt {
    Potential(Quantity),
    Current(Quantity),
    OnLimit(OnLimitWord),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingDef {
    pub statements: Vec<Spanned<TimingStmt>>,
    pub close: Close,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TimingStmt {
    Periods(Number),
    MinPoint(Quantity),
    Settle(Quantity),
    MaxFrequency(Quantity),
}

// ---------------------------------------------------------------------------------------------
// The procedure

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnBlock {
    pub cell: Ident,
    pub steps: Vec<Step>,
    pub close: Close,
}

/// A step label as written: `ocv:` or `"after addition":`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub text: String,
    pub quoted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub label: Option<Spanned<Label>>,
    pub kind: StepKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StepKind {
    Rest {
        duration: Time,
        body: Option<RestBody>,
    },
    /// `eis every …` outside a rest (the checker says where it belongs).
    EisEveryMisplaced {
        every: Time,
        settings: EisSettings,
    },
    Eis(EisSettings),
    Galvanostatic {
        direction: Spanned<Direction>,
        clauses: Vec<Spanned<GalvClause>>,
    },
    Addition {
        stock: Ident,
        amount: AdditionAmount,
    },
    Prompt(Spanned<String>),
    /// `cv …` / `lsv …`.
    Voltammetry {
        shape: Spanned<SweepWord>,
        clauses: Vec<Spanned<SweepClause>>,
    },
    /// `potentiostatic at E …`.
    Potentiostatic {
        at: Quantity,
        clauses: Vec<Spanned<HoldClause>>,
    },
    /// `temperature 40 degC[, settle 30 min]`.
    Temperature {
        value: Quantity,
        settle: Option<Time>,
    },
    Repeat {
        count: Number,
        steps: Vec<Step>,
        close: Close,
    },
    Series {
        currents: CurrentSpec,
        stop: Time,
        cells: Option<Vec<Ident>>,
        steps: Vec<Step>,
        close: Close,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestBody {
    pub statements: Vec<Spanned<RestStmt>>,
    pub close: Close,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RestStmt {
    EisEvery { every: Time, settings: EisSettings },
    Sample(Time),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EisSettings {
    pub clauses: Vec<Spanned<EisClause>>,
    pub span: Span,
}

/// What a measurement is taken against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum VsWord {
    Reference,
    Counter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BiasRef {
    Ocv,
    Reference,
    Counter,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum EisClause {
    Amplitude(Quantity),
    Range {
        from: Quantity,
        to: Quantity,
    },
    PerDecade(Number),
    /// `at ocv`, `at 100 mV vs ocv`, `at 1 V`.
    Bias(Option<(Quantity, Option<BiasRef>)>),
    Vs(VsWord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DirectionWord {
    Strip,
    Plate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Direction {
    pub action: DirectionWord,
    pub role: RoleWord,
}

/// `at 10 mA/cm2` or `at 10, 3, 1, 0.3 mA/cm2`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CurrentSpec {
    Single(Quantity),
    List {
        numbers: Vec<Number>,
        unit: Spanned<String>,
        span: Span,
    },
}

impl CurrentSpec {
    pub fn span(&self) -> Span {
        match self {
            CurrentSpec::Single(q) => q.span,
            CurrentSpec::List { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum GalvClause {
    At(CurrentSpec),
    For {
        amount: Time,
        each: bool,
    },
    Until {
        potential: Quantity,
        max: Time,
    },
    Limit {
        value: Quantity,
        on_limit: Option<OnLimitWord>,
    },
    Sample(Time),
    Vs(VsWord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SweepWord {
    Cv,
    Lsv,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SweepClause {
    /// `from A to B [to C]`.
    Path(Vec<Quantity>),
    /// `at 25 mV/s`.
    Rate(Quantity),
    /// `5 cycles`.
    Cycles(Number),
    /// `step 1 mV`.
    Step(Quantity),
    Vs(VsWord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CrossingWord {
    Below,
    Above,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum HoldClause {
    For(Time),
    /// `until [current below|above] X within T`: a charge, or a current threshold.
    Until {
        crossing: Option<CrossingWord>,
        value: Quantity,
        max: Time,
    },
    Sample(Time),
    Vs(VsWord),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum AdditionAmount {
    Volume(Quantity),
    Reach {
        species: Spanned<String>,
        concentration: Quantity,
    },
}

// ---------------------------------------------------------------------------------------------
// Analysis

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalyzeBlock {
    pub statements: Vec<Spanned<AnalyzeStmt>>,
    pub close: Close,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum AnalyzeStmt {
    Fit {
        name: Ident,
        circuit: Spanned<String>,
        steps: Vec<Spanned<StepRef>>,
        window: Option<Spanned<WindowSpec>>,
    },
    Quantity {
        name: Ident,
        metric: MetricExpr,
        unit: Option<Spanned<String>>,
    },
    Expect {
        observation: Option<Ident>,
        metric: MetricExpr,
        check: Spanned<CheckSpec>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StepRef {
    /// Every EIS-bearing step on a cell.
    Cell(Ident),
    /// Steps with a label, optionally on one cell, optionally the N-th (1-based) of them.
    Label {
        label: Spanned<Label>,
        cell: Option<Ident>,
        index: Option<Number>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum WindowSpec {
    HighFrequencyArc,
    All,
    Range(Quantity, Quantity),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinOp {
    Div,
    Sub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StatWord {
    Min,
    Max,
    Mean,
    Spread,
    LinearR2,
    Slope,
    Drift,
    LastThirdFraction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParamWord {
    R,
    C,
    FPeak,
    FPeakTimesR,
    Re,
    P,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TraceWord {
    ActivationTime,
    InitialOverpotential,
    FinalOverpotential,
    StrippingResistance,
}

/// Which cycles a per-cycle metric reads: `at cycle 100`, `of cycles 10 to 50`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CycleSel {
    At(Number),
    Range(Number, Number),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TimeSel {
    At(Time),
    Range(Time, Time),
}

pub type MetricExpr = Spanned<Metric>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Metric {
    Binary {
        op: BinOp,
        lhs: Box<MetricExpr>,
        rhs: Box<MetricExpr>,
    },
    Series {
        stat: Option<Spanned<StatWord>>,
        param: Spanned<ParamWord>,
        fit: Ident,
        when: Option<TimeSel>,
    },
    Trace {
        metric: Spanned<TraceWord>,
        step: Spanned<StepRef>,
    },
    /// A per-cycle quantity: at one cycle, or a statistic over a range of cycles.
    Cycle {
        stat: Option<Spanned<StatWord>>,
        quantity: Spanned<crate::plan::CycleQuantity>,
        half: Option<Spanned<crate::plan::HalfCycle>>,
        select: Option<Spanned<CycleSel>>,
    },
    Thickness {
        capacitance: Box<MetricExpr>,
        eps_r: Number,
    },
    Permittivity {
        capacitance: Box<MetricExpr>,
        thickness: Quantity,
    },
    Corrosion {
        thickness: Quantity,
        porosity: Quantity,
        duration: Time,
    },
    Named(Ident),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CheckSpec {
    /// `within 15 % of 40 kOhm cm2`.
    Within {
        tolerance: Quantity,
        target: Quantity,
    },
    /// `is 17 uF/cm2 +- 3 uF/cm2`.
    PlusMinus {
        target: Quantity,
        tolerance: Quantity,
    },
    Between {
        low: Quantity,
        high: Quantity,
    },
    Above(Quantity),
    Below(Quantity),
}

//! pest pairs → AST. The pest types stay in this file.

use super::ast::*;
use super::error::{SyntaxError, from_pest};
use super::lines::LineIndex;
use crate::source::{SourceFile, Span};
use pest::Parser as _;
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/mgp.pest"]
pub(crate) struct MgpParser;

type P<'i> = Pair<'i, Rule>;

/// True for keyword rules (`k_*`), which the builder skips unless they carry meaning.
pub(crate) fn is_keyword(rule: Rule) -> bool {
    format!("{rule:?}").starts_with("k_")
}

pub(crate) fn parse_file(source: &SourceFile) -> Result<Ast, SyntaxError> {
    let text = source.text.as_str();
    let pairs = match MgpParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(error) => return Err(from_pest(source, error)),
    };
    let b = Builder {
        lines: LineIndex::new(text),
    };
    let mut items = Vec::new();
    for file in pairs {
        for pair in file.into_inner() {
            if pair.as_rule() == Rule::EOI {
                continue;
            }
            items.push(b.item(pair));
        }
    }
    Ok(Ast {
        items,
        comments: super::comments::scan(text, &b.lines),
    })
}

struct Builder {
    lines: LineIndex,
}

/// The meaningful children of a pair (keywords dropped).
fn kids(pair: P<'_>) -> Vec<P<'_>> {
    pair.into_inner()
        .filter(|p| !is_keyword(p.as_rule()))
        .collect()
}

/// Every child, keywords included.
fn all(pair: P<'_>) -> Vec<P<'_>> {
    pair.into_inner().collect()
}

fn has(pair: &P<'_>, rule: Rule) -> bool {
    pair.clone().into_inner().any(|p| p.as_rule() == rule)
}

impl Builder {
    fn span(&self, pair: &P<'_>) -> Span {
        let s = pair.as_span();
        self.lines.span(s.start(), s.end())
    }

    fn spanned<T>(&self, pair: &P<'_>, node: T) -> Spanned<T> {
        Spanned::new(node, self.span(pair))
    }

    fn text(&self, pair: &P<'_>) -> Spanned<String> {
        self.spanned(pair, pair.as_str().to_string())
    }

    fn string(&self, pair: P<'_>) -> Spanned<String> {
        let span = self.span(&pair);
        let body = pair.into_inner().next().map_or("", |p| p.as_str());
        Spanned::new(unescape(body), span)
    }

    fn number(&self, pair: &P<'_>) -> Number {
        let text = pair.as_str().to_string();
        // The grammar only admits digits, a point and an exponent; overflow gives infinity,
        // which the checker rejects as not finite.
        let value = text.parse::<f64>().unwrap_or(f64::NAN);
        Number {
            value,
            text,
            span: self.span(pair),
        }
    }

    /// `quantity` or `value`: a number and an optional unit.
    fn quantity(&self, pair: P<'_>) -> Quantity {
        let span = self.span(&pair);
        let mut number = None;
        let mut unit = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::number => number = Some(self.number(&p)),
                Rule::unit => unit = Some(self.text(&p)),
                _ => {}
            }
        }
        Quantity {
            number: number.unwrap_or(Number {
                value: f64::NAN,
                text: String::new(),
                span,
            }),
            unit,
            span,
        }
    }

    fn time(&self, pair: P<'_>) -> Time {
        let span = self.span(&pair);
        Time {
            parts: pair.into_inner().map(|p| self.quantity(p)).collect(),
            span,
        }
    }

    fn idents(&self, pair: P<'_>) -> Vec<Ident> {
        pair.into_inner().map(|p| self.text(&p)).collect()
    }

    fn item(&self, pair: P<'_>) -> Item {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::meta => Item::Meta(Spanned::new(self.meta(pair), span)),
            Rule::import => {
                let s = kids(pair).into_iter().next().map(|p| self.string(p));
                Item::Import(Spanned::new(s.map(|s| s.node).unwrap_or_default(), span))
            }
            Rule::solution => Item::Solution(Spanned::new(self.solution(pair), span)),
            Rule::electrode => Item::Electrode(Spanned::new(self.electrode(pair), span)),
            Rule::separator => Item::Separator(Spanned::new(self.part(pair), span)),
            Rule::spacer => Item::Spacer(Spanned::new(self.part(pair), span)),
            Rule::cell => Item::Cell(Spanned::new(self.cell(pair), span)),
            Rule::limits => Item::Limits(Spanned::new(self.limits(pair), span)),
            Rule::eis_timing => Item::EisTiming(Spanned::new(self.timing(pair), span)),
            Rule::on_block => Item::On(Spanned::new(self.on_block(pair), span)),
            Rule::analyze => Item::Analyze(Spanned::new(self.analyze(pair), span)),
            _ => Item::Step(self.step(pair)),
        }
    }

    fn meta(&self, pair: P<'_>) -> Meta {
        let mut key = MetaKey::Note;
        let mut value = Spanned::new(String::new(), self.span(&pair));
        for p in all(pair) {
            match p.as_rule() {
                Rule::k_title => key = MetaKey::Title,
                Rule::k_source => key = MetaKey::Source,
                Rule::k_author => key = MetaKey::Author,
                Rule::k_note => key = MetaKey::Note,
                Rule::string => value = self.string(p),
                _ => {}
            }
        }
        Meta { key, value }
    }

    fn close(&self, pair: &P<'_>) -> Close {
        pair.clone()
            .into_inner()
            .filter(|p| p.as_rule() == Rule::close)
            .last()
            .map_or_else(|| self.span(pair), |p| self.span(&p))
    }

    fn solution(&self, pair: P<'_>) -> SolutionDef {
        let close = self.close(&pair);
        let mut name = None;
        let mut statements = Vec::new();
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(self.text(&p)),
                Rule::salt | Rule::solvent | Rule::water => {
                    let span = self.span(&p);
                    statements.push(Spanned::new(self.solution_stmt(p), span));
                }
                _ => {}
            }
        }
        SolutionDef {
            name: name.unwrap_or_else(|| Spanned::new(String::new(), close)),
            statements,
            close,
        }
    }

    fn solution_stmt(&self, pair: P<'_>) -> SolutionStmt {
        match pair.as_rule() {
            Rule::salt => {
                let nominal = has(&pair, Rule::k_nominal);
                let mut species = None;
                let mut concentration = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::species => species = Some(self.text(&p)),
                        Rule::quantity => concentration = Some(self.quantity(p)),
                        _ => {}
                    }
                }
                SolutionStmt::Salt {
                    species: species.unwrap_or_default_spanned(),
                    concentration: concentration.unwrap_or_else(empty_quantity),
                    nominal,
                }
            }
            Rule::solvent => {
                let mut names = Vec::new();
                let mut numbers = Vec::new();
                let mut basis = RatioBasis::Volume;
                let mut has_ratio = false;
                for p in all(pair) {
                    match p.as_rule() {
                        Rule::solvent_names => {
                            names = p.into_inner().map(|s| self.text(&s)).collect();
                        }
                        Rule::ratio => {
                            has_ratio = true;
                            numbers = p.into_inner().map(|n| self.number(&n)).collect();
                        }
                        Rule::k_mass => basis = RatioBasis::Mass,
                        _ => {}
                    }
                }
                SolutionStmt::Solvent {
                    names,
                    ratio: has_ratio.then_some((numbers, basis)),
                }
            }
            _ => SolutionStmt::Water {
                limit: kids(pair)
                    .into_iter()
                    .find(|p| p.as_rule() == Rule::quantity)
                    .map_or_else(empty_quantity, |p| self.quantity(p)),
            },
        }
    }

    fn material(&self, pair: P<'_>) -> Spanned<MaterialName> {
        let span = self.span(&pair);
        let p = pair.into_inner().nth(1);
        let node = match p {
            Some(p) if p.as_rule() == Rule::string => MaterialName {
                text: self.string(p).node,
                quoted: true,
            },
            Some(p) if p.as_rule() == Rule::k_glassy_carbon => MaterialName {
                text: "glassy carbon".into(),
                quoted: false,
            },
            Some(p) => MaterialName {
                text: p.as_str().to_string(),
                quoted: false,
            },
            None => MaterialName {
                text: String::new(),
                quoted: false,
            },
        };
        Spanned::new(node, span)
    }

    fn electrode(&self, pair: P<'_>) -> ElectrodeDef {
        let close = self.close(&pair);
        let mut idents = Vec::new();
        let mut statements = Vec::new();
        for p in kids(pair) {
            let span = self.span(&p);
            let stmt = match p.as_rule() {
                Rule::ident => {
                    idents.push(self.text(&p));
                    continue;
                }
                Rule::material => ElectrodeStmt::Material(self.material(p)),
                Rule::foil => {
                    let word = if has(&p, Rule::k_ribbon) {
                        SheetWord::Ribbon
                    } else {
                        SheetWord::Foil
                    };
                    ElectrodeStmt::Sheet {
                        word,
                        thickness: self.first_quantity(p),
                    }
                }
                Rule::thickness => ElectrodeStmt::Thickness(self.first_quantity(p)),
                Rule::disc => ElectrodeStmt::Disc(self.first_quantity(p)),
                Rule::strip_shape => {
                    let mut qs = kids(p).into_iter().map(|q| self.quantity(q));
                    let width = qs.next().unwrap_or_else(empty_quantity);
                    let length = qs.next().unwrap_or_else(empty_quantity);
                    ElectrodeStmt::Strip { width, length }
                }
                Rule::rod => ElectrodeStmt::Rod(self.first_quantity(p)),
                Rule::area => ElectrodeStmt::Area(self.first_quantity(p)),
                Rule::brush => {
                    let mut grit = None;
                    let mut directions = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::species => grit = Some(self.text(&q)),
                            Rule::integer => directions = Some(self.number(&q)),
                            _ => {}
                        }
                    }
                    ElectrodeStmt::Brush {
                        grit: grit.unwrap_or_default_spanned(),
                        directions,
                    }
                }
                Rule::dry => {
                    let mut temperature = None;
                    let mut duration = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::quantity => temperature = Some(self.quantity(q)),
                            Rule::time => duration = Some(self.time(q)),
                            _ => {}
                        }
                    }
                    ElectrodeStmt::Dry {
                        temperature: temperature.unwrap_or_else(empty_quantity),
                        duration: duration.unwrap_or_else(empty_time),
                    }
                }
                Rule::soak => {
                    let mut solution = None;
                    let mut duration = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::ident => solution = Some(self.text(&q)),
                            Rule::time => duration = Some(self.time(q)),
                            _ => {}
                        }
                    }
                    ElectrodeStmt::Soak {
                        solution: solution.unwrap_or_default_spanned(),
                        duration: duration.unwrap_or_else(empty_time),
                    }
                }
                Rule::wash => ElectrodeStmt::Wash {
                    solvent: kids(p)
                        .first()
                        .map(|q| self.text(q))
                        .unwrap_or_default_spanned(),
                },
                _ => continue,
            };
            statements.push(Spanned::new(stmt, span));
        }
        let mut idents = idents.into_iter();
        ElectrodeDef {
            name: idents.next().unwrap_or_default_spanned(),
            base: idents.next(),
            statements,
            close,
        }
    }

    fn first_quantity(&self, pair: P<'_>) -> Quantity {
        kids(pair)
            .into_iter()
            .find(|p| matches!(p.as_rule(), Rule::quantity | Rule::value))
            .map_or_else(empty_quantity, |p| self.quantity(p))
    }

    fn part(&self, pair: P<'_>) -> PartDef {
        let close = self.close(&pair);
        let mut name = None;
        let mut statements = Vec::new();
        for p in kids(pair) {
            let span = self.span(&p);
            let stmt = match p.as_rule() {
                Rule::ident => {
                    name = Some(self.text(&p));
                    continue;
                }
                Rule::material => PartStmt::Material(self.material(p)),
                Rule::disc => PartStmt::Disc(self.first_quantity(p)),
                Rule::thickness => PartStmt::Thickness(self.first_quantity(p)),
                _ => continue,
            };
            statements.push(Spanned::new(stmt, span));
        }
        PartDef {
            name: name.unwrap_or_default_spanned(),
            statements,
            close,
        }
    }

    fn cell(&self, pair: P<'_>) -> CellDef {
        let close = self.close(&pair);
        let mut names = Vec::new();
        let mut kind = Spanned::new(CellKindWord::Symmetric, close);
        let mut casing = None;
        let mut statements = Vec::new();
        for p in kids(pair) {
            let span = self.span(&p);
            let stmt = match p.as_rule() {
                Rule::ident_list => {
                    names = self.idents(p);
                    continue;
                }
                Rule::cell_kind => {
                    let word = match p.into_inner().next().map(|k| k.as_rule()) {
                        Some(Rule::k_three_electrode) => CellKindWord::ThreeElectrode,
                        Some(Rule::k_soak_vial) => CellKindWord::SoakVial,
                        _ => CellKindWord::Symmetric,
                    };
                    kind = Spanned::new(word, span);
                    continue;
                }
                Rule::casing => {
                    let word = match p.into_inner().next().map(|k| k.as_rule()) {
                        Some(Rule::k_pouch) => CasingWord::Pouch,
                        Some(Rule::k_glass) => CasingWord::Glass,
                        Some(Rule::k_vial) => CasingWord::Vial,
                        _ => CasingWord::Swagelok,
                    };
                    casing = Some(Spanned::new(word, span));
                    continue;
                }
                Rule::cell_electrolyte => {
                    let reference = has(&p, Rule::k_reference);
                    let mut solution = None;
                    let mut volume = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::ident => solution = Some(self.text(&q)),
                            Rule::quantity => volume = Some(self.quantity(q)),
                            _ => {}
                        }
                    }
                    CellStmt::Electrolyte {
                        reference,
                        solution: solution.unwrap_or_default_spanned(),
                        volume: volume.unwrap_or_else(empty_quantity),
                    }
                }
                Rule::tip => CellStmt::Tip(self.first_quantity(p)),
                Rule::cell_electrode => {
                    let mut role = RoleWord::Working;
                    let mut electrode = None;
                    let mut wetting = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::role => {
                                role = match q.into_inner().next().map(|k| k.as_rule()) {
                                    Some(Rule::k_counter) => RoleWord::Counter,
                                    Some(Rule::k_reference) => RoleWord::Reference,
                                    _ => RoleWord::Working,
                                }
                            }
                            Rule::ident => electrode = Some(self.text(&q)),
                            Rule::wetting => {
                                let word = if has(&q, Rule::k_wetted) {
                                    WettingWord::Wetted
                                } else {
                                    WettingWord::Immersed
                                };
                                wetting = Some((word, self.first_quantity(q)));
                            }
                            _ => {}
                        }
                    }
                    CellStmt::Electrode {
                        role,
                        electrode: electrode.unwrap_or_default_spanned(),
                        wetting,
                    }
                }
                Rule::cell_separator => CellStmt::Separator(
                    kids(p)
                        .first()
                        .map(|q| self.text(q))
                        .unwrap_or_default_spanned(),
                ),
                Rule::cell_spacers => CellStmt::Spacers(
                    kids(p)
                        .into_iter()
                        .find(|q| q.as_rule() == Rule::ident_list)
                        .map(|q| self.idents(q))
                        .unwrap_or_default(),
                ),
                Rule::pressure => CellStmt::Pressure(self.first_quantity(p)),
                Rule::gap => CellStmt::Gap(self.first_quantity(p)),
                Rule::connection => {
                    let word = if p
                        .clone()
                        .into_inner()
                        .flat_map(|q| q.into_inner())
                        .any(|k| k.as_rule() == Rule::k_three_electrode)
                    {
                        ConnectionWord::ThreeElectrode
                    } else {
                        ConnectionWord::TwoElectrode
                    };
                    CellStmt::Connection(word)
                }
                Rule::compartment => CellStmt::Compartment(self.first_quantity(p)),
                _ => continue,
            };
            statements.push(Spanned::new(stmt, span));
        }
        CellDef {
            names,
            kind,
            casing,
            statements,
            close,
        }
    }

    fn on_limit(&self, pair: P<'_>) -> OnLimitWord {
        if has(&pair, Rule::k_abort) {
            OnLimitWord::Abort
        } else {
            OnLimitWord::EndStep
        }
    }

    fn limits(&self, pair: P<'_>) -> LimitsDef {
        let close = self.close(&pair);
        let mut statements = Vec::new();
        for p in kids(pair) {
            if p.as_rule() != Rule::limit_stmt {
                continue;
            }
            let span = self.span(&p);
            let children = all(p);
            let stmt = match children.first().map(|c| c.as_rule()) {
                Some(Rule::k_potential) | Some(Rule::k_current) => {
                    let potential = children[0].as_rule() == Rule::k_potential;
                    let q = children
                        .iter()
                        .find(|c| c.as_rule() == Rule::quantity)
                        .map_or_else(empty_quantity, |c| self.quantity(c.clone()));
                    if potential {
                        LimitStmt::Potential(q)
                    } else {
                        LimitStmt::Current(q)
                    }
                }
                _ => LimitStmt::OnLimit(
                    children
                        .into_iter()
                        .find(|c| c.as_rule() == Rule::on_limit)
                        .map_or(OnLimitWord::Abort, |c| self.on_limit(c)),
                ),
            };
            statements.push(Spanned::new(stmt, span));
        }
        LimitsDef { statements, close }
    }

    fn timing(&self, pair: P<'_>) -> TimingDef {
        let close = self.close(&pair);
        let mut statements = Vec::new();
        for p in kids(pair) {
            if p.as_rule() != Rule::timing_stmt {
                continue;
            }
            let span = self.span(&p);
            let children = all(p);
            let quantity = children
                .iter()
                .find(|c| c.as_rule() == Rule::quantity)
                .map_or_else(empty_quantity, |c| self.quantity(c.clone()));
            let stmt = match children.first().map(|c| c.as_rule()) {
                Some(Rule::k_periods) => TimingStmt::Periods(
                    children
                        .iter()
                        .find(|c| c.as_rule() == Rule::number)
                        .map_or_else(|| empty_number(span), |c| self.number(c)),
                ),
                Some(Rule::k_min) => TimingStmt::MinPoint(quantity),
                Some(Rule::k_settle) => TimingStmt::Settle(quantity),
                _ => TimingStmt::MaxFrequency(quantity),
            };
            statements.push(Spanned::new(stmt, span));
        }
        TimingDef { statements, close }
    }

    fn on_block(&self, pair: P<'_>) -> OnBlock {
        let close = self.close(&pair);
        let mut cell = None;
        let mut steps = Vec::new();
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => cell = Some(self.text(&p)),
                Rule::step => steps.push(self.step(p)),
                _ => {}
            }
        }
        OnBlock {
            cell: cell.unwrap_or_default_spanned(),
            steps,
            close,
        }
    }

    fn label(&self, pair: P<'_>) -> Spanned<Label> {
        let span = self.span(&pair);
        let node = match pair.into_inner().next() {
            Some(p) if p.as_rule() == Rule::string => Label {
                text: self.string(p).node,
                quoted: true,
            },
            Some(p) => Label {
                text: p.as_str().to_string(),
                quoted: false,
            },
            None => Label {
                text: String::new(),
                quoted: false,
            },
        };
        Spanned::new(node, span)
    }

    fn step(&self, pair: P<'_>) -> Step {
        let span = self.span(&pair);
        let mut label = None;
        let mut kind = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::label => label = Some(self.label(p)),
                _ => kind = Some(self.step_kind(p)),
            }
        }
        Step {
            label,
            kind: kind.unwrap_or(StepKind::Prompt(Spanned::new(String::new(), span))),
            span,
        }
    }

    fn steps_and_close(&self, pair: &P<'_>) -> (Vec<Step>, Close) {
        let close = self.close(pair);
        let steps = pair
            .clone()
            .into_inner()
            .filter(|p| p.as_rule() == Rule::step)
            .map(|p| self.step(p))
            .collect();
        (steps, close)
    }

    fn step_kind(&self, pair: P<'_>) -> StepKind {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::rest => {
                let has_body = has(&pair, Rule::open);
                let close = self.close(&pair);
                let mut duration = None;
                let mut statements = Vec::new();
                for p in kids(pair) {
                    let s = self.span(&p);
                    match p.as_rule() {
                        Rule::time => duration = Some(self.time(p)),
                        Rule::eis_every => {
                            let (every, settings) = self.eis_every(p);
                            statements
                                .push(Spanned::new(RestStmt::EisEvery { every, settings }, s));
                        }
                        Rule::sample => {
                            statements.push(Spanned::new(RestStmt::Sample(self.first_time(p)), s))
                        }
                        _ => {}
                    }
                }
                StepKind::Rest {
                    duration: duration.unwrap_or_else(empty_time),
                    body: has_body.then_some(RestBody { statements, close }),
                }
            }
            Rule::eis_every_misplaced => {
                let (every, settings) = self.eis_every(pair);
                StepKind::EisEveryMisplaced { every, settings }
            }
            Rule::eis_step => StepKind::Eis(
                kids(pair)
                    .into_iter()
                    .find(|p| p.as_rule() == Rule::eis_settings)
                    .map_or_else(|| empty_settings(span), |p| self.eis_settings(p)),
            ),
            Rule::galvanostatic => {
                let mut direction = None;
                let mut clauses = Vec::new();
                for p in kids(pair) {
                    let s = self.span(&p);
                    if p.as_rule() == Rule::direction {
                        let strip = has(&p, Rule::k_strip);
                        let counter = has(&p, Rule::k_counter);
                        direction = Some(Spanned::new(
                            Direction {
                                action: if strip {
                                    DirectionWord::Strip
                                } else {
                                    DirectionWord::Plate
                                },
                                role: if counter {
                                    RoleWord::Counter
                                } else {
                                    RoleWord::Working
                                },
                            },
                            s,
                        ));
                    } else if let Some(c) = self.galv_clause(p) {
                        clauses.push(Spanned::new(c, s));
                    }
                }
                StepKind::Galvanostatic {
                    direction: direction.unwrap_or(Spanned::new(
                        Direction {
                            action: DirectionWord::Strip,
                            role: RoleWord::Working,
                        },
                        span,
                    )),
                    clauses,
                }
            }
            Rule::addition => {
                let mut stock = None;
                let mut species = None;
                let mut quantity = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::ident => stock = Some(self.text(&p)),
                        Rule::species => species = Some(self.text(&p)),
                        Rule::quantity => quantity = Some(self.quantity(p)),
                        _ => {}
                    }
                }
                let q = quantity.unwrap_or_else(empty_quantity);
                StepKind::Addition {
                    stock: stock.unwrap_or_default_spanned(),
                    amount: match species {
                        Some(species) => AdditionAmount::Reach {
                            species,
                            concentration: q,
                        },
                        None => AdditionAmount::Volume(q),
                    },
                }
            }
            Rule::prompt => StepKind::Prompt(
                kids(pair)
                    .into_iter()
                    .next()
                    .map(|p| self.string(p))
                    .unwrap_or(Spanned::new(String::new(), span)),
            ),
            Rule::repeat => {
                let (steps, close) = self.steps_and_close(&pair);
                let count = kids(pair)
                    .into_iter()
                    .find(|p| p.as_rule() == Rule::integer)
                    .map_or_else(|| empty_number(span), |p| self.number(&p));
                StepKind::Repeat {
                    count,
                    steps,
                    close,
                }
            }
            _ => {
                // series
                let (steps, close) = self.steps_and_close(&pair);
                let mut currents = None;
                let mut stop = None;
                let mut cells = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::at_current => currents = Some(self.current_spec(p)),
                        Rule::stop_for => stop = Some(self.first_time(p)),
                        Rule::ident_list => cells = Some(self.idents(p)),
                        _ => {}
                    }
                }
                StepKind::Series {
                    currents: currents.unwrap_or_else(|| CurrentSpec::Single(empty_quantity())),
                    stop: stop.unwrap_or_else(empty_time),
                    cells,
                    steps,
                    close,
                }
            }
        }
    }

    fn first_time(&self, pair: P<'_>) -> Time {
        kids(pair)
            .into_iter()
            .find(|p| p.as_rule() == Rule::time)
            .map_or_else(empty_time, |p| self.time(p))
    }

    fn eis_every(&self, pair: P<'_>) -> (Time, EisSettings) {
        let span = self.span(&pair);
        let mut every = None;
        let mut settings = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::time => every = Some(self.time(p)),
                Rule::eis_settings => settings = Some(self.eis_settings(p)),
                _ => {}
            }
        }
        (
            every.unwrap_or_else(empty_time),
            settings.unwrap_or_else(|| empty_settings(span)),
        )
    }

    fn eis_settings(&self, pair: P<'_>) -> EisSettings {
        let span = self.span(&pair);
        let mut clauses = Vec::new();
        for p in kids(pair) {
            let s = self.span(&p);
            let clause = match p.as_rule() {
                Rule::amplitude => EisClause::Amplitude(self.first_quantity(p)),
                Rule::frequency_range => {
                    let mut qs = kids(p).into_iter().map(|q| self.quantity(q));
                    let from = qs.next().unwrap_or_else(empty_quantity);
                    let to = qs.next().unwrap_or_else(empty_quantity);
                    EisClause::Range { from, to }
                }
                Rule::per_decade => EisClause::PerDecade(
                    kids(p)
                        .first()
                        .map_or_else(|| empty_number(s), |q| self.number(q)),
                ),
                Rule::bias => {
                    if has(&p, Rule::k_ocv) && !has(&p, Rule::quantity) {
                        EisClause::Bias(None)
                    } else {
                        let r = if has(&p, Rule::k_ocv) {
                            Some(BiasRef::Ocv)
                        } else if has(&p, Rule::k_reference) {
                            Some(BiasRef::Reference)
                        } else if has(&p, Rule::k_counter) {
                            Some(BiasRef::Counter)
                        } else {
                            None
                        };
                        EisClause::Bias(Some((self.first_quantity(p), r)))
                    }
                }
                Rule::measure_vs => EisClause::Vs(self.vs(&p)),
                _ => continue,
            };
            clauses.push(Spanned::new(clause, s));
        }
        EisSettings { clauses, span }
    }

    fn vs(&self, pair: &P<'_>) -> VsWord {
        if has(pair, Rule::k_counter) {
            VsWord::Counter
        } else {
            VsWord::Reference
        }
    }

    fn current_spec(&self, pair: P<'_>) -> CurrentSpec {
        let span = self.span(&pair);
        for p in kids(pair) {
            match p.as_rule() {
                Rule::current_list => {
                    let span = self.span(&p);
                    let mut numbers = Vec::new();
                    let mut unit = Spanned::new(String::new(), span);
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::number => numbers.push(self.number(&q)),
                            Rule::unit => unit = self.text(&q),
                            _ => {}
                        }
                    }
                    return CurrentSpec::List {
                        numbers,
                        unit,
                        span,
                    };
                }
                Rule::quantity => return CurrentSpec::Single(self.quantity(p)),
                _ => {}
            }
        }
        CurrentSpec::Single(Quantity {
            number: empty_number(span),
            unit: None,
            span,
        })
    }

    fn galv_clause(&self, pair: P<'_>) -> Option<GalvClause> {
        Some(match pair.as_rule() {
            Rule::at_current => GalvClause::At(self.current_spec(pair)),
            Rule::stop_for => {
                let each = has(&pair, Rule::k_each);
                GalvClause::For {
                    amount: self.first_time(pair),
                    each,
                }
            }
            Rule::stop_until => {
                let mut potential = None;
                let mut max = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::quantity => potential = Some(self.quantity(p)),
                        Rule::time => max = Some(self.time(p)),
                        _ => {}
                    }
                }
                GalvClause::Until {
                    potential: potential.unwrap_or_else(empty_quantity),
                    max: max.unwrap_or_else(empty_time),
                }
            }
            Rule::limit => {
                let mut value = None;
                let mut on_limit = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::quantity => value = Some(self.quantity(p)),
                        Rule::on_limit => on_limit = Some(self.on_limit(p)),
                        _ => {}
                    }
                }
                GalvClause::Limit {
                    value: value.unwrap_or_else(empty_quantity),
                    on_limit,
                }
            }
            Rule::sample => GalvClause::Sample(self.first_time(pair)),
            Rule::measure_vs => GalvClause::Vs(self.vs(&pair)),
            _ => return None,
        })
    }

    fn analyze(&self, pair: P<'_>) -> AnalyzeBlock {
        let close = self.close(&pair);
        let mut statements = Vec::new();
        for p in kids(pair) {
            let span = self.span(&p);
            let stmt = match p.as_rule() {
                Rule::fit => self.fit(p),
                Rule::quantity_def => {
                    let mut name = None;
                    let mut metric = None;
                    let mut unit = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::ident => name = Some(self.text(&q)),
                            Rule::metric => metric = Some(self.metric(q)),
                            Rule::unit => unit = Some(self.text(&q)),
                            _ => {}
                        }
                    }
                    AnalyzeStmt::Quantity {
                        name: name.unwrap_or_default_spanned(),
                        metric: metric.unwrap_or_else(|| empty_metric(span)),
                        unit,
                    }
                }
                Rule::expect => {
                    let mut observation = None;
                    let mut metric = None;
                    let mut check = None;
                    for q in kids(p) {
                        match q.as_rule() {
                            Rule::observation => observation = Some(self.text(&q)),
                            Rule::metric => metric = Some(self.metric(q)),
                            Rule::check => check = Some(self.check(q)),
                            _ => {}
                        }
                    }
                    AnalyzeStmt::Expect {
                        observation,
                        metric: metric.unwrap_or_else(|| empty_metric(span)),
                        check: check
                            .unwrap_or(Spanned::new(CheckSpec::Above(empty_quantity()), span)),
                    }
                }
                _ => continue,
            };
            statements.push(Spanned::new(stmt, span));
        }
        AnalyzeBlock { statements, close }
    }

    fn fit(&self, pair: P<'_>) -> AnalyzeStmt {
        let span = self.span(&pair);
        let mut name = None;
        let mut circuit = None;
        let mut steps = Vec::new();
        let mut window = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::ident => name = Some(self.text(&p)),
                Rule::string => circuit = Some(self.string(p)),
                Rule::step_ref => steps.push(self.step_ref(p)),
                Rule::window => {
                    let s = self.span(&p);
                    let node = if has(&p, Rule::k_high_frequency_arc) {
                        WindowSpec::HighFrequencyArc
                    } else if has(&p, Rule::k_all) {
                        WindowSpec::All
                    } else {
                        let mut qs = kids(p).into_iter().map(|q| self.quantity(q));
                        let a = qs.next().unwrap_or_else(empty_quantity);
                        let b = qs.next().unwrap_or_else(empty_quantity);
                        WindowSpec::Range(a, b)
                    };
                    window = Some(Spanned::new(node, s));
                }
                _ => {}
            }
        }
        AnalyzeStmt::Fit {
            name: name.unwrap_or_default_spanned(),
            circuit: circuit.unwrap_or(Spanned::new(String::new(), span)),
            steps,
            window,
        }
    }

    fn step_ref(&self, pair: P<'_>) -> Spanned<StepRef> {
        let span = self.span(&pair);
        if has(&pair, Rule::k_cell) {
            let cell = kids(pair)
                .into_iter()
                .find(|p| p.as_rule() == Rule::ident)
                .map(|p| self.text(&p))
                .unwrap_or_default_spanned();
            return Spanned::new(StepRef::Cell(cell), span);
        }
        let mut label = None;
        let mut cell = None;
        let mut index = None;
        for p in kids(pair) {
            match p.as_rule() {
                Rule::label => label = Some(self.label(p)),
                Rule::ident => cell = Some(self.text(&p)),
                Rule::integer => index = Some(self.number(&p)),
                _ => {}
            }
        }
        Spanned::new(
            StepRef::Label {
                label: label.unwrap_or(Spanned::new(
                    Label {
                        text: String::new(),
                        quoted: false,
                    },
                    span,
                )),
                cell,
                index,
            },
            span,
        )
    }

    /// `metric = term (op term)*` with `/` binding tighter than `-`, both left-associative.
    fn metric(&self, pair: P<'_>) -> MetricExpr {
        let span = self.span(&pair);
        let mut terms = Vec::new();
        let mut ops = Vec::new();
        for p in pair.into_inner() {
            if p.as_rule() == Rule::binop {
                ops.push(if p.as_str() == "/" {
                    BinOp::Div
                } else {
                    BinOp::Sub
                });
            } else {
                terms.push(self.metric_term(p));
            }
        }
        let mut terms = terms.into_iter();
        let Some(first) = terms.next() else {
            return empty_metric(span);
        };
        // Fold `/` chains into products first, then the `-` chain.
        let mut differences: Vec<MetricExpr> = vec![first];
        for (op, term) in ops.into_iter().zip(terms) {
            match op {
                BinOp::Div => {
                    if let Some(lhs) = differences.pop() {
                        differences.push(binary(BinOp::Div, lhs, term));
                    }
                }
                BinOp::Sub => differences.push(term),
            }
        }
        let mut it = differences.into_iter();
        let mut acc = it.next().unwrap_or_else(|| empty_metric(span));
        for rhs in it {
            acc = binary(BinOp::Sub, acc, rhs);
        }
        acc
    }

    fn metric_term(&self, pair: P<'_>) -> MetricExpr {
        let span = self.span(&pair);
        let node = match pair.as_rule() {
            Rule::metric => return self.metric(pair),
            Rule::series_metric => {
                let mut stat = None;
                let mut param = None;
                let mut fit = None;
                let mut times = Vec::new();
                let mut at = false;
                for p in all(pair) {
                    let s = self.span(&p);
                    match p.as_rule() {
                        Rule::stat => {
                            stat = p
                                .into_inner()
                                .next()
                                .map(|k| Spanned::new(stat_word(k.as_rule()), s))
                        }
                        Rule::param => {
                            param = p
                                .into_inner()
                                .next()
                                .map(|k| Spanned::new(param_word(k.as_rule()), s))
                        }
                        Rule::ident => fit = Some(self.text(&p)),
                        Rule::k_at => at = true,
                        Rule::time => times.push(self.time(p)),
                        _ => {}
                    }
                }
                let mut times = times.into_iter();
                let when = match (times.next(), times.next()) {
                    (Some(a), Some(b)) => Some(TimeSel::Range(a, b)),
                    (Some(a), None) if at => Some(TimeSel::At(a)),
                    (Some(a), None) => Some(TimeSel::Range(a.clone(), a)),
                    _ => None,
                };
                Metric::Series {
                    stat,
                    param: param.unwrap_or(Spanned::new(ParamWord::R, span)),
                    fit: fit.unwrap_or_default_spanned(),
                    when,
                }
            }
            Rule::trace => {
                let mut metric = None;
                let mut step = None;
                for p in kids(pair) {
                    let s = self.span(&p);
                    match p.as_rule() {
                        Rule::trace_metric => {
                            metric = p
                                .into_inner()
                                .next()
                                .map(|k| Spanned::new(trace_word(k.as_rule()), s))
                        }
                        Rule::step_ref => step = Some(self.step_ref(p)),
                        _ => {}
                    }
                }
                Metric::Trace {
                    metric: metric.unwrap_or(Spanned::new(TraceWord::ActivationTime, span)),
                    step: step.unwrap_or(Spanned::new(
                        StepRef::Cell(Spanned::new(String::new(), span)),
                        span,
                    )),
                }
            }
            Rule::thickness_of => {
                let mut capacitance = None;
                let mut eps_r = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::number => eps_r = Some(self.number(&p)),
                        _ => capacitance = Some(self.metric_term(p)),
                    }
                }
                Metric::Thickness {
                    capacitance: Box::new(capacitance.unwrap_or_else(|| empty_metric(span))),
                    eps_r: eps_r.unwrap_or_else(|| empty_number(span)),
                }
            }
            Rule::permittivity_of => {
                let mut capacitance = None;
                let mut thickness = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::quantity => thickness = Some(self.quantity(p)),
                        _ => capacitance = Some(self.metric_term(p)),
                    }
                }
                Metric::Permittivity {
                    capacitance: Box::new(capacitance.unwrap_or_else(|| empty_metric(span))),
                    thickness: thickness.unwrap_or_else(empty_quantity),
                }
            }
            Rule::corrosion => {
                let mut qs = Vec::new();
                let mut duration = None;
                for p in kids(pair) {
                    match p.as_rule() {
                        Rule::quantity | Rule::value => qs.push(self.quantity(p)),
                        Rule::time => duration = Some(self.time(p)),
                        _ => {}
                    }
                }
                let mut qs = qs.into_iter();
                Metric::Corrosion {
                    thickness: qs.next().unwrap_or_else(empty_quantity),
                    porosity: qs.next().unwrap_or_else(empty_quantity),
                    duration: duration.unwrap_or_else(empty_time),
                }
            }
            _ => Metric::Named(
                pair.into_inner()
                    .next()
                    .map(|p| self.text(&p))
                    .unwrap_or_default_spanned(),
            ),
        };
        Spanned::new(node, span)
    }

    fn check(&self, pair: P<'_>) -> Spanned<CheckSpec> {
        let span = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Spanned::new(CheckSpec::Above(empty_quantity()), span);
        };
        let rule = inner.as_rule();
        let mut values = kids(inner)
            .into_iter()
            .filter(|p| p.as_rule() == Rule::value)
            .map(|p| self.quantity(p));
        let a = values.next().unwrap_or_else(empty_quantity);
        let b = values.next().unwrap_or_else(empty_quantity);
        let node = match rule {
            Rule::within => CheckSpec::Within {
                tolerance: a,
                target: b,
            },
            Rule::plus_minus => CheckSpec::PlusMinus {
                target: a,
                tolerance: b,
            },
            Rule::between => CheckSpec::Between { low: a, high: b },
            Rule::above => CheckSpec::Above(a),
            _ => CheckSpec::Below(a),
        };
        Spanned::new(node, span)
    }
}

fn binary(op: BinOp, lhs: MetricExpr, rhs: MetricExpr) -> MetricExpr {
    let span = Span {
        start: lhs.span.start,
        end: rhs.span.end,
        line: lhs.span.line,
        column: lhs.span.column,
    };
    Spanned::new(
        Metric::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    )
}

fn stat_word(rule: Rule) -> StatWord {
    match rule {
        Rule::k_min => StatWord::Min,
        Rule::k_max => StatWord::Max,
        Rule::k_spread => StatWord::Spread,
        Rule::k_linear_r2 => StatWord::LinearR2,
        Rule::k_slope => StatWord::Slope,
        Rule::k_drift => StatWord::Drift,
        Rule::k_last_third_fraction => StatWord::LastThirdFraction,
        _ => StatWord::Mean,
    }
}

fn param_word(rule: Rule) -> ParamWord {
    match rule {
        Rule::k_c => ParamWord::C,
        Rule::k_f_peak => ParamWord::FPeak,
        Rule::k_f_peak_r => ParamWord::FPeakTimesR,
        Rule::k_re => ParamWord::Re,
        Rule::k_p => ParamWord::P,
        _ => ParamWord::R,
    }
}

fn trace_word(rule: Rule) -> TraceWord {
    match rule {
        Rule::k_initial_overpotential => TraceWord::InitialOverpotential,
        Rule::k_final_overpotential => TraceWord::FinalOverpotential,
        Rule::k_stripping_resistance => TraceWord::StrippingResistance,
        _ => TraceWord::ActivationTime,
    }
}

fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn empty_number(span: Span) -> Number {
    Number {
        value: f64::NAN,
        text: String::new(),
        span,
    }
}

fn empty_quantity() -> Quantity {
    Quantity {
        number: empty_number(Span::default()),
        unit: None,
        span: Span::default(),
    }
}

fn empty_time() -> Time {
    Time {
        parts: Vec::new(),
        span: Span::default(),
    }
}

fn empty_settings(span: Span) -> EisSettings {
    EisSettings {
        clauses: Vec::new(),
        span,
    }
}

fn empty_metric(span: Span) -> MetricExpr {
    Spanned::new(Metric::Named(Spanned::new(String::new(), span)), span)
}

/// The grammar guarantees the pieces the builder reads; this keeps a missing one from
/// panicking should the grammar and builder ever disagree.
trait OrDefaultSpanned {
    fn unwrap_or_default_spanned(self) -> Spanned<String>;
}

impl OrDefaultSpanned for Option<Spanned<String>> {
    fn unwrap_or_default_spanned(self) -> Spanned<String> {
        self.unwrap_or(Spanned::new(String::new(), Span::default()))
    }
}

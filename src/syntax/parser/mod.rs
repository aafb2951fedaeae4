//! pest pairs → AST. The pest types stay in this module (`parser/`): definitions here, the
//! procedure in `procedure.rs`, the analyze block in `analysis.rs`.

mod analysis;
mod procedure;

use super::ast::*;
use super::error::SyntaxErrors;
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

pub(crate) fn parse_file(source: &SourceFile) -> Result<Ast, SyntaxErrors> {
    let text = source.text.as_str();
    if let Some(offset) = super::comments::too_deep(text, super::error::MAX_DEPTH) {
        return Err(SyntaxErrors::new(vec![super::error::too_deep(
            source, offset,
        )]));
    }
    let pairs = match MgpParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(error) => {
            return Err(SyntaxErrors::new(super::recover::all_errors(source, error)));
        }
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
        self.lines.trimmed_span(s.start(), s.end())
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
        let mut coin_format = None;
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
                        Some(Rule::k_asymmetric) => CellKindWord::Asymmetric,
                        _ => CellKindWord::Symmetric,
                    };
                    kind = Spanned::new(word, span);
                    continue;
                }
                Rule::casing => {
                    coin_format = kids(p.clone())
                        .into_iter()
                        .find(|q| q.as_rule() == Rule::coin_format)
                        .map(|q| self.text(&q));
                    let word = match p.into_inner().next().map(|k| k.as_rule()) {
                        Some(Rule::k_coin) => CasingWord::Coin,
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
                Rule::normalise => CellStmt::NormaliseByWetted,
                Rule::cell_temperature => CellStmt::Temperature(self.first_quantity(p)),
                Rule::spring => CellStmt::Spring(
                    kids(p)
                        .into_iter()
                        .find(|q| matches!(q.as_rule(), Rule::string | Rule::ident))
                        .map(|q| {
                            if q.as_rule() == Rule::string {
                                self.string(q)
                            } else {
                                self.text(&q)
                            }
                        })
                        .unwrap_or_default_spanned(),
                ),
                _ => continue,
            };
            statements.push(Spanned::new(stmt, span));
        }
        CellDef {
            names,
            kind,
            coin_format,
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

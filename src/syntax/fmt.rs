//! The canonical printer behind `mgp fmt`: one statement per line, four-space indentation,
//! single spaces, canonical keyword forms, numbers and units exactly as written, comments kept
//! (own-line comments before the node that follows them, end-of-line comments on their line),
//! at most one blank line where the source had blank lines, and one around every block at the
//! top level.

use super::ast::*;

const INDENT: &str = "    ";

/// Prints `ast` (parsed from `text`) in canonical layout.
pub(crate) fn print(ast: &Ast, text: &str) -> String {
    let mut p = Printer {
        text,
        comments: &ast.comments,
        next_comment: 0,
        out: String::new(),
        depth: 0,
        line_open: false,
        last_src: 0,
    };
    let mut previous: Option<&Item> = None;
    for item in &ast.items {
        let span = item.span();
        p.trailing(span.start);
        if let Some(prev) = previous
            && (is_block(item) || is_block(prev) || group(item) != group(prev))
        {
            p.blank();
        }
        p.leading(span.start);
        if p.blank_in_source(span.start) {
            p.blank();
        }
        p.item(item);
        previous = Some(item);
    }
    p.leading(text.len());
    if p.line_open {
        p.out.push('\n');
    }
    p.out
}

fn is_block(item: &Item) -> bool {
    match item {
        Item::Meta(_) | Item::Import(_) => false,
        Item::Step(step) => matches!(
            step.kind,
            StepKind::Repeat { .. }
                | StepKind::Series { .. }
                | StepKind::Rest { body: Some(_), .. }
        ),
        _ => true,
    }
}

fn group(item: &Item) -> u8 {
    match item {
        Item::Meta(_) => 0,
        Item::Import(_) => 1,
        Item::Step(_) => 2,
        _ => 3,
    }
}

struct Printer<'a> {
    text: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
    out: String,
    depth: usize,
    /// A line has been written but its newline is held back for an end-of-line comment.
    line_open: bool,
    /// Source offset of the end of the last thing printed.
    last_src: usize,
}

impl Printer<'_> {
    fn start_line(&mut self) {
        if self.line_open {
            self.out.push('\n');
            self.line_open = false;
        }
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
    }

    fn line(&mut self, content: &str, src_end: usize) {
        self.start_line();
        self.out.push_str(content);
        self.line_open = true;
        self.last_src = self.last_src.max(src_end);
    }

    fn blank(&mut self) {
        if self.out.is_empty() {
            return;
        }
        if self.line_open {
            self.out.push('\n');
            self.line_open = false;
        }
        if !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// True when the source has an empty line between the last printed thing and `offset`.
    fn blank_in_source(&self, offset: usize) -> bool {
        let from = self.last_src.min(offset);
        let between = self.text.get(from..offset).unwrap_or("");
        let mut lines = between.split('\n');
        lines.next();
        let mut middle: Vec<&str> = lines.collect();
        middle.pop();
        middle.iter().any(|l| l.trim().is_empty())
    }

    /// Attaches comments on the line just printed (and before `offset`) to that line.
    fn trailing(&mut self, offset: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            let same_line = self.line_open
                && c.span.start < offset
                && !self
                    .text
                    .get(self.last_src.min(c.span.start)..c.span.start)
                    .unwrap_or("\n")
                    .contains('\n');
            if !same_line {
                break;
            }
            self.next_comment += 1;
            self.out.push_str("  #");
            self.out.push_str(&c.text);
            self.last_src = c.span.end;
        }
    }

    /// Prints every comment that starts before `offset`.
    fn leading(&mut self, offset: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.span.start >= offset {
                break;
            }
            self.next_comment += 1;
            let same_line = self.line_open
                && !self
                    .text
                    .get(self.last_src.min(c.span.start)..c.span.start)
                    .unwrap_or("\n")
                    .contains('\n');
            if same_line {
                self.out.push_str("  #");
                self.out.push_str(&c.text);
                self.last_src = c.span.end;
            } else {
                if self.blank_in_source(c.span.start) {
                    self.blank();
                }
                self.line(&format!("#{}", c.text), c.span.end);
            }
        }
    }

    /// A block: opener line, statements (via `body`), closing brace.
    fn block(
        &mut self,
        opener: &str,
        opener_end: usize,
        close: Close,
        body: impl FnOnce(&mut Self),
    ) {
        self.line(&format!("{opener} {{"), opener_end);
        self.depth += 1;
        body(self);
        self.leading(close.start);
        self.depth -= 1;
        self.line("}", close.end);
    }

    /// One statement of a block, with its leading comments and source blank line.
    fn stmt(&mut self, start: usize, content: &str, end: usize) {
        self.leading(start);
        if self.blank_in_source(start) {
            self.blank();
        }
        self.line(content, end);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Meta(m) => self.line(
                &format!("{} {}", m.node.key.keyword(), quote(&m.node.value.node)),
                m.span.end,
            ),
            Item::Import(path) => {
                self.line(&format!("import {}", quote(&path.node)), path.span.end)
            }
            Item::Solution(s) => {
                let d = &s.node;
                self.block(
                    &format!("solution {}", d.name.node),
                    d.name.span.end,
                    d.close,
                    |p| {
                        for st in &d.statements {
                            p.stmt(st.span.start, &solution_stmt(&st.node), st.span.end);
                        }
                    },
                );
            }
            Item::Electrode(e) => {
                let d = &e.node;
                let mut opener = format!("electrode {}", d.name.node);
                let mut end = d.name.span.end;
                if let Some(base) = &d.base {
                    opener.push_str(&format!(" from {}", base.node));
                    end = base.span.end;
                }
                self.block(&opener, end, d.close, |p| {
                    for st in &d.statements {
                        p.stmt(st.span.start, &electrode_stmt(&st.node), st.span.end);
                    }
                });
            }
            Item::Separator(s) | Item::Spacer(s) => {
                let word = if matches!(item, Item::Separator(_)) {
                    "separator"
                } else {
                    "spacer"
                };
                let d = &s.node;
                self.block(
                    &format!("{word} {}", d.name.node),
                    d.name.span.end,
                    d.close,
                    |p| {
                        for st in &d.statements {
                            p.stmt(st.span.start, &part_stmt(&st.node), st.span.end);
                        }
                    },
                );
            }
            Item::Cell(c) => {
                let d = &c.node;
                let names: Vec<&str> = d.names.iter().map(|n| n.node.as_str()).collect();
                let mut opener = format!("cell {}: {}", names.join(", "), cell_kind(d.kind.node));
                let mut end = d.kind.span.end;
                if let Some(casing) = &d.casing {
                    opener.push(' ');
                    opener.push_str(casing_word(casing.node));
                    end = casing.span.end;
                }
                if let Some(format) = &d.coin_format {
                    opener.push(' ');
                    opener.push_str(&format.node);
                }
                self.block(&opener, end, d.close, |p| {
                    for st in &d.statements {
                        p.stmt(st.span.start, &cell_stmt(&st.node), st.span.end);
                    }
                });
            }
            Item::Limits(l) => {
                let d = &l.node;
                self.block("limits", l.span.start + 6, d.close, |p| {
                    for st in &d.statements {
                        let text = match &st.node {
                            LimitStmt::Potential(q) => format!("potential {}", quantity(q)),
                            LimitStmt::Current(q) => format!("current {}", quantity(q)),
                            LimitStmt::OnLimit(w) => format!("on limit {}", on_limit(*w)),
                        };
                        p.stmt(st.span.start, &text, st.span.end);
                    }
                });
            }
            Item::EisTiming(t) => {
                let d = &t.node;
                self.block("eis timing", t.span.start + 10, d.close, |p| {
                    for st in &d.statements {
                        let text = match &st.node {
                            TimingStmt::Periods(n) => format!("periods {}", n.text),
                            TimingStmt::MinPoint(q) => format!("min point {}", quantity(q)),
                            TimingStmt::Settle(q) => format!("settle {}", quantity(q)),
                            TimingStmt::MaxFrequency(q) => format!("max frequency {}", quantity(q)),
                        };
                        p.stmt(st.span.start, &text, st.span.end);
                    }
                });
            }
            Item::On(o) => {
                let d = &o.node;
                self.block(
                    &format!("on {}", d.cell.node),
                    d.cell.span.end,
                    d.close,
                    |p| {
                        p.steps(&d.steps);
                    },
                );
            }
            Item::Step(step) => self.step(step),
            Item::Analyze(a) => {
                let d = &a.node;
                self.block("analyze", a.span.start + 7, d.close, |p| {
                    for st in &d.statements {
                        p.stmt(st.span.start, &analyze_stmt(&st.node), st.span.end);
                    }
                });
            }
        }
    }

    fn steps(&mut self, steps: &[Step]) {
        for step in steps {
            self.leading(step.span.start);
            if self.blank_in_source(step.span.start) {
                self.blank();
            }
            self.step(step);
        }
    }

    fn step(&mut self, step: &Step) {
        let label = step
            .label
            .as_ref()
            .map(|l| format!("{}: ", label(&l.node)))
            .unwrap_or_default();
        let head_end = step.label.as_ref().map_or(step.span.start, |l| l.span.end);
        match &step.kind {
            StepKind::Rest { duration, body } => {
                let opener = format!("{label}rest {}", time(duration));
                match body {
                    None => self.line(&opener, step.span.end),
                    Some(body)
                        if body.statements.is_empty()
                            && !self.has_comments_before(body.close.start) =>
                    {
                        self.line(&format!("{opener} {{}}"), step.span.end)
                    }
                    Some(body) => {
                        self.block(&opener, duration.span.end.max(head_end), body.close, |p| {
                            for st in &body.statements {
                                let text = match &st.node {
                                    RestStmt::EisEvery { every, settings } => {
                                        format!(
                                            "eis every {}: {}",
                                            time(every),
                                            eis_settings(settings)
                                        )
                                    }
                                    RestStmt::Sample(t) => format!("sample every {}", time(t)),
                                };
                                p.stmt(st.span.start, &text, st.span.end);
                            }
                        })
                    }
                }
            }
            StepKind::Repeat {
                count,
                steps,
                close,
            } => {
                self.block(
                    &format!("{label}repeat {} times", count.text),
                    count.span.end,
                    *close,
                    |p| p.steps(steps),
                );
            }
            StepKind::Series {
                currents,
                stop,
                cells,
                steps,
                close,
            } => {
                let mut opener = format!(
                    "{label}series at {} for {} each",
                    current_spec(currents),
                    time(stop)
                );
                let mut end = stop.span.end;
                if let Some(cells) = cells {
                    let names: Vec<&str> = cells.iter().map(|c| c.node.as_str()).collect();
                    opener.push_str(&format!(", on cells {}", names.join(", ")));
                    end = cells.last().map_or(end, |c| c.span.end);
                }
                self.block(&opener, end, *close, |p| p.steps(steps));
            }
            other => self.line(&format!("{label}{}", simple_step(other)), step.span.end),
        }
    }

    fn has_comments_before(&self, offset: usize) -> bool {
        self.comments
            .get(self.next_comment)
            .is_some_and(|c| c.span.start < offset)
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn quantity(q: &Quantity) -> String {
    match &q.unit {
        Some(unit) => format!("{} {}", q.number.text, unit.node),
        None => q.number.text.clone(),
    }
}

fn time(t: &Time) -> String {
    t.parts.iter().map(quantity).collect::<Vec<_>>().join(" ")
}

fn material(m: &MaterialName) -> String {
    if m.quoted {
        quote(&m.text)
    } else {
        m.text.clone()
    }
}

fn label(l: &Label) -> String {
    if l.quoted {
        quote(&l.text)
    } else {
        l.text.clone()
    }
}

fn solution_stmt(s: &SolutionStmt) -> String {
    match s {
        SolutionStmt::Salt {
            species,
            concentration,
            nominal,
        } => {
            let mut t = format!("salt {} {}", species.node, quantity(concentration));
            if *nominal {
                t.push_str(" nominal");
            }
            t
        }
        SolutionStmt::Solvent { names, ratio } => {
            let names: Vec<&str> = names.iter().map(|n| n.node.as_str()).collect();
            let mut t = format!("solvent {}", names.join(":"));
            if let Some((numbers, basis)) = ratio {
                let numbers: Vec<&str> = numbers.iter().map(|n| n.text.as_str()).collect();
                let basis = match basis {
                    RatioBasis::Volume => "volume",
                    RatioBasis::Mass => "mass",
                };
                t.push_str(&format!(" {} by {basis}", numbers.join(":")));
            }
            t
        }
        SolutionStmt::Water { limit } => format!("water below {}", quantity(limit)),
    }
}

fn electrode_stmt(s: &ElectrodeStmt) -> String {
    match s {
        ElectrodeStmt::Material(m) => format!("material {}", material(&m.node)),
        ElectrodeStmt::Sheet { word, thickness } => {
            let w = match word {
                SheetWord::Foil => "foil",
                SheetWord::Ribbon => "ribbon",
            };
            format!("{w} {}", quantity(thickness))
        }
        ElectrodeStmt::Thickness(q) => format!("thickness {}", quantity(q)),
        ElectrodeStmt::Disc(q) => format!("disc {}", quantity(q)),
        ElectrodeStmt::Strip { width, length } => {
            format!("strip {} x {}", quantity(width), quantity(length))
        }
        ElectrodeStmt::Rod(q) => format!("rod {} cut face", quantity(q)),
        ElectrodeStmt::Area(q) => format!("area {}", quantity(q)),
        ElectrodeStmt::Brush { grit, directions } => match directions {
            Some(n) => format!("brush with {} in {} directions", grit.node, n.text),
            None => format!("brush with {}", grit.node),
        },
        ElectrodeStmt::Dry {
            temperature,
            duration,
        } => format!("dry at {} for {}", quantity(temperature), time(duration)),
        ElectrodeStmt::Soak { solution, duration } => {
            format!("soak in {} for {}", solution.node, time(duration))
        }
        ElectrodeStmt::Wash { solvent } => format!("wash with {}", solvent.node),
    }
}

fn part_stmt(s: &PartStmt) -> String {
    match s {
        PartStmt::Material(m) => format!("material {}", material(&m.node)),
        PartStmt::Disc(q) => format!("disc {}", quantity(q)),
        PartStmt::Thickness(q) => format!("thickness {}", quantity(q)),
    }
}

fn cell_kind(k: CellKindWord) -> &'static str {
    match k {
        CellKindWord::Symmetric => "symmetric",
        CellKindWord::Asymmetric => "asymmetric",
        CellKindWord::ThreeElectrode => "three_electrode",
        CellKindWord::SoakVial => "soak_vial",
    }
}

fn casing_word(c: CasingWord) -> &'static str {
    match c {
        CasingWord::Coin => "coin",
        CasingWord::Swagelok => "swagelok",
        CasingWord::Pouch => "pouch",
        CasingWord::Glass => "glass",
        CasingWord::Vial => "vial",
    }
}

fn role(r: RoleWord) -> &'static str {
    match r {
        RoleWord::Working => "working",
        RoleWord::Counter => "counter",
        RoleWord::Reference => "reference",
    }
}

fn cell_stmt(s: &CellStmt) -> String {
    match s {
        CellStmt::Electrolyte {
            reference,
            solution,
            volume,
        } => format!(
            "{}electrolyte {} {}",
            if *reference { "reference " } else { "" },
            solution.node,
            quantity(volume)
        ),
        CellStmt::Tip(q) => format!("reference tip {}", quantity(q)),
        CellStmt::Electrode {
            role: r,
            electrode,
            wetting,
        } => {
            let mut t = format!("{} {}", role(*r), electrode.node);
            if let Some((word, q)) = wetting {
                let w = match word {
                    WettingWord::Immersed => "immersed",
                    WettingWord::Wetted => "wetted",
                };
                t.push_str(&format!(", {w} {}", quantity(q)));
            }
            t
        }
        CellStmt::Separator(name) => format!("separator {}", name.node),
        CellStmt::Spacers(names) => {
            let list: Vec<&str> = names.iter().map(|n| n.node.as_str()).collect();
            let word = if names.len() == 1 {
                "spacer"
            } else {
                "spacers"
            };
            format!("{word} {}", list.join(", "))
        }
        CellStmt::Pressure(q) => format!("stack pressure {}", quantity(q)),
        CellStmt::Gap(q) => format!("gap {}", quantity(q)),
        CellStmt::Connection(c) => format!(
            "connection {}",
            match c {
                ConnectionWord::TwoElectrode => "two_electrode",
                ConnectionWord::ThreeElectrode => "three_electrode",
            }
        ),
        CellStmt::Compartment(q) => format!("compartment {}", quantity(q)),
        CellStmt::NormaliseByWetted => "normalise by wetted area".to_string(),
        CellStmt::Temperature(q) => format!("temperature {}", quantity(q)),
        CellStmt::Spring(s) => format!("spring {}", quote(&s.node)),
    }
}

fn on_limit(w: OnLimitWord) -> &'static str {
    match w {
        OnLimitWord::Abort => "abort",
        OnLimitWord::EndStep => "end step",
    }
}

fn vs(v: VsWord) -> &'static str {
    match v {
        VsWord::Reference => "vs reference",
        VsWord::Counter => "vs counter",
    }
}

fn eis_settings(s: &EisSettings) -> String {
    s.clauses
        .iter()
        .map(|c| match &c.node {
            EisClause::Amplitude(q) => format!("{} rms", quantity(q)),
            EisClause::Range { from, to } => format!("{} to {}", quantity(from), quantity(to)),
            EisClause::PerDecade(n) => format!("{} per decade", n.text),
            EisClause::Bias(None) => "at ocv".to_string(),
            EisClause::Bias(Some((q, r))) => {
                let suffix = match r {
                    None => "",
                    Some(BiasRef::Ocv) => " vs ocv",
                    Some(BiasRef::Reference) => " vs reference",
                    Some(BiasRef::Counter) => " vs counter",
                };
                format!("at {}{suffix}", quantity(q))
            }
            EisClause::Vs(v) => vs(*v).to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn current_spec(c: &CurrentSpec) -> String {
    match c {
        CurrentSpec::Single(q) => quantity(q),
        CurrentSpec::List { numbers, unit, .. } => {
            let n: Vec<&str> = numbers.iter().map(|n| n.text.as_str()).collect();
            format!("{} {}", n.join(", "), unit.node)
        }
    }
}

fn simple_step(kind: &StepKind) -> String {
    match kind {
        StepKind::EisEveryMisplaced { every, settings } => {
            format!("eis every {}: {}", time(every), eis_settings(settings))
        }
        StepKind::Eis(settings) => format!("eis {}", eis_settings(settings)),
        StepKind::Galvanostatic { direction, clauses } => {
            let d = &direction.node;
            let action = match d.action {
                DirectionWord::Strip => "strip",
                DirectionWord::Plate => "plate",
            };
            let mut t = format!("galvanostatic {action} {}", role(d.role));
            for c in clauses {
                let (sep, text) = match &c.node {
                    GalvClause::At(spec) => (" ", format!("at {}", current_spec(spec))),
                    GalvClause::For { amount, each } => (
                        " ",
                        format!("for {}{}", time(amount), if *each { " each" } else { "" }),
                    ),
                    GalvClause::Until { potential, max } => (
                        " ",
                        format!("until {} within {}", quantity(potential), time(max)),
                    ),
                    GalvClause::Limit { value, on_limit: w } => (
                        ", ",
                        match w {
                            Some(w) => format!("limit {} {}", quantity(value), on_limit(*w)),
                            None => format!("limit {}", quantity(value)),
                        },
                    ),
                    GalvClause::Sample(t) => (", ", format!("sample every {}", time(t))),
                    GalvClause::Vs(v) => (", ", vs(*v).to_string()),
                };
                t.push_str(sep);
                t.push_str(&text);
            }
            t
        }
        StepKind::Addition { stock, amount } => match amount {
            AdditionAmount::Volume(q) => format!("add {} {}", stock.node, quantity(q)),
            AdditionAmount::Reach {
                species,
                concentration,
            } => format!(
                "add {} to reach {} {}",
                stock.node,
                species.node,
                quantity(concentration)
            ),
        },
        StepKind::Prompt(s) => format!("prompt {}", quote(&s.node)),
        StepKind::Voltammetry { shape, clauses } => {
            let mut t = match shape.node {
                SweepWord::Cv => "cv".to_string(),
                SweepWord::Lsv => "lsv".to_string(),
            };
            for (i, c) in clauses.iter().enumerate() {
                let text = match &c.node {
                    SweepClause::Path(points) => {
                        let p: Vec<String> = points.iter().map(quantity).collect();
                        format!("from {}", p.join(" to "))
                    }
                    SweepClause::Rate(q) => format!("at {}", quantity(q)),
                    SweepClause::Cycles(n) => format!("{} cycles", n.text),
                    SweepClause::Step(q) => format!("step {}", quantity(q)),
                    SweepClause::Vs(v) => vs(*v).to_string(),
                };
                t.push_str(if i < 2 { " " } else { ", " });
                t.push_str(&text);
            }
            t
        }
        StepKind::Potentiostatic { at, clauses } => {
            let mut t = format!("potentiostatic at {}", quantity(at));
            for c in clauses {
                let (sep, text) = match &c.node {
                    HoldClause::For(d) => (" ", format!("for {}", time(d))),
                    HoldClause::Until {
                        crossing,
                        value,
                        max,
                    } => {
                        let crossing = match crossing {
                            Some(CrossingWord::Below) => "current below ",
                            Some(CrossingWord::Above) => "current above ",
                            None => "",
                        };
                        (
                            " ",
                            format!("until {crossing}{} within {}", quantity(value), time(max)),
                        )
                    }
                    HoldClause::Sample(d) => (", ", format!("sample every {}", time(d))),
                    HoldClause::Vs(v) => (" ", vs(*v).to_string()),
                };
                t.push_str(sep);
                t.push_str(&text);
            }
            t
        }
        StepKind::Temperature { value, settle } => match settle {
            Some(s) => format!("temperature {}, settle {}", quantity(value), time(s)),
            None => format!("temperature {}", quantity(value)),
        },
        StepKind::Rest { duration, .. } => format!("rest {}", time(duration)),
        StepKind::Repeat { count, .. } => format!("repeat {} times {{}}", count.text),
        StepKind::Series { .. } => String::new(),
    }
}

fn step_ref(r: &StepRef) -> String {
    match r {
        StepRef::Cell(c) => format!("cell {}", c.node),
        StepRef::Label {
            label: l,
            cell,
            index,
        } => {
            let mut t = label(&l.node);
            if let Some(c) = cell {
                t.push_str(&format!(" on {}", c.node));
            }
            if let Some(i) = index {
                t.push_str(&format!("[{}]", i.text));
            }
            t
        }
    }
}

fn analyze_stmt(s: &AnalyzeStmt) -> String {
    match s {
        AnalyzeStmt::Fit {
            name,
            circuit,
            steps,
            window,
        } => {
            let refs: Vec<String> = steps.iter().map(|r| step_ref(&r.node)).collect();
            let mut t = format!(
                "fit {}: {} on {}",
                name.node,
                quote(&circuit.node),
                refs.join(", ")
            );
            if let Some(w) = window {
                let text = match &w.node {
                    WindowSpec::HighFrequencyArc => "high-frequency arc".to_string(),
                    WindowSpec::All => "all".to_string(),
                    WindowSpec::Range(a, b) => format!("{} to {}", quantity(a), quantity(b)),
                };
                t.push_str(&format!(", window {text}"));
            }
            t
        }
        AnalyzeStmt::Quantity { name, metric, unit } => {
            let mut t = format!("quantity {} = {}", name.node, metric_text(&metric.node));
            if let Some(u) = unit {
                t.push_str(&format!(" in {}", u.node));
            }
            t
        }
        AnalyzeStmt::Expect {
            observation,
            metric,
            check,
        } => {
            let tag = observation
                .as_ref()
                .map(|o| format!("{}: ", o.node))
                .unwrap_or_default();
            format!(
                "expect {tag}{} {}",
                metric_text(&metric.node),
                check_text(&check.node)
            )
        }
    }
}

/// Metric text with the fewest parentheses that keep its meaning (`/` binds tighter than `-`).
pub(crate) fn metric_text(m: &Metric) -> String {
    match m {
        Metric::Binary { op, lhs, rhs } => {
            let l = metric_text(&lhs.node);
            let r = metric_text(&rhs.node);
            let is_sub = |x: &MetricExpr| matches!(x.node, Metric::Binary { op: BinOp::Sub, .. });
            let is_bin = |x: &MetricExpr| matches!(x.node, Metric::Binary { .. });
            match op {
                BinOp::Sub => {
                    let r = if is_sub(rhs) { format!("({r})") } else { r };
                    format!("{l} - {r}")
                }
                BinOp::Div => {
                    let l = if is_sub(lhs) { format!("({l})") } else { l };
                    let r = if is_bin(rhs) { format!("({r})") } else { r };
                    format!("{l} / {r}")
                }
            }
        }
        Metric::Series {
            stat,
            param,
            fit,
            when,
        } => {
            let mut t = String::new();
            if let Some(s) = stat {
                t.push_str(stat_word(s.node));
                t.push(' ');
            }
            t.push_str(param_word(param.node));
            t.push_str(" of ");
            t.push_str(&fit.node);
            match when {
                Some(TimeSel::At(a)) => t.push_str(&format!(" at {}", time(a))),
                Some(TimeSel::Range(a, b)) => {
                    t.push_str(&format!(" from {} to {}", time(a), time(b)))
                }
                None => {}
            }
            t
        }
        Metric::Trace { metric, step } => {
            let w = match metric.node {
                TraceWord::ActivationTime => "activation_time",
                TraceWord::InitialOverpotential => "initial_overpotential",
                TraceWord::FinalOverpotential => "final_overpotential",
                TraceWord::StrippingResistance => "stripping_resistance",
            };
            format!("{w} of {}", step_ref(&step.node))
        }
        Metric::Cycle {
            stat,
            quantity,
            half,
            select,
        } => {
            let mut t = String::new();
            if let Some(s) = stat {
                t.push_str(stat_word(s.node));
                t.push(' ');
            }
            t.push_str(quantity.node.keyword());
            if let Some(h) = half {
                t.push_str(match h.node {
                    crate::plan::HalfCycle::Plate => " of plate",
                    crate::plan::HalfCycle::Strip => " of strip",
                });
            }
            match select.as_ref().map(|s| &s.node) {
                Some(CycleSel::At(n)) => t.push_str(&format!(" at cycle {}", n.text)),
                Some(CycleSel::Range(a, b)) => {
                    t.push_str(&format!(" of cycles {} to {}", a.text, b.text))
                }
                None => {}
            }
            t
        }
        Metric::Thickness { capacitance, eps_r } => {
            format!(
                "thickness from {} at eps_r {}",
                term(capacitance),
                eps_r.text
            )
        }
        Metric::Permittivity {
            capacitance,
            thickness,
        } => format!(
            "permittivity from {} at thickness {}",
            term(capacitance),
            quantity(thickness)
        ),
        Metric::Corrosion {
            thickness,
            porosity,
            duration,
        } => format!(
            "corrosion_current from {} at {} porosity over {}",
            quantity(thickness),
            quantity(porosity),
            time(duration)
        ),
        Metric::Named(n) => n.node.clone(),
    }
}

fn term(m: &MetricExpr) -> String {
    match m.node {
        Metric::Binary { .. } => format!("({})", metric_text(&m.node)),
        _ => metric_text(&m.node),
    }
}

fn stat_word(s: StatWord) -> &'static str {
    match s {
        StatWord::Min => "min",
        StatWord::Max => "max",
        StatWord::Mean => "mean",
        StatWord::Spread => "spread",
        StatWord::LinearR2 => "linear_r2",
        StatWord::Slope => "slope",
        StatWord::Drift => "drift",
        StatWord::LastThirdFraction => "last_third_fraction",
    }
}

fn param_word(p: ParamWord) -> &'static str {
    match p {
        ParamWord::R => "R",
        ParamWord::C => "C",
        ParamWord::FPeak => "f_peak",
        ParamWord::FPeakTimesR => "f_peak_R",
        ParamWord::Re => "Re",
        ParamWord::P => "P",
    }
}

fn check_text(c: &CheckSpec) -> String {
    match c {
        CheckSpec::Within { tolerance, target } => {
            format!("within {} of {}", quantity(tolerance), quantity(target))
        }
        CheckSpec::PlusMinus { target, tolerance } => {
            format!("is {} +- {}", quantity(target), quantity(tolerance))
        }
        CheckSpec::Between { low, high } => {
            format!("between {} and {}", quantity(low), quantity(high))
        }
        CheckSpec::Above(q) => format!("above {}", quantity(q)),
        CheckSpec::Below(q) => format!("below {}", quantity(q)),
    }
}

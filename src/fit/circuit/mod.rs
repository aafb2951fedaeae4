//! Equivalent circuits: parsed from a string, named parameters, impedance with analytic
//! derivatives.
//!
//! Takes a circuit string (`R0-p(R1,CPE1)`, `Re-R(CPE)`, `R(RQ)`; see [`parse`]) and gives a
//! [`Circuit`]: its elements in order of appearance, its parameters (named `R1`, `CPE1_T`,
//! `CPE1_P`, …), the R–C/CPE arcs it contains, and [`Circuit::impedance`].

pub mod element;
mod eval;
pub mod parse;

pub use element::{ElementKind, Omega, ParamKind};
pub use eval::Workspace;
pub use parse::CircuitError;

use num_complex::Complex64;

/// A node of the circuit tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Index into [`Circuit::elements`].
    Element(usize),
    Series(Vec<Node>),
    Parallel(Vec<Node>),
}

/// One element of a circuit.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub kind: ElementKind,
    /// Byte range of the element in the circuit string.
    pub span: (usize, usize),
}

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo {
    /// `R1`, `CPE1_T`, `CPE1_P`, `Wo1_tau`…
    pub name: String,
    /// Index of the element it belongs to.
    pub element: usize,
    /// Position within the element (0 for T, 1 for P, …).
    pub position: usize,
    pub kind: ParamKind,
    pub unit: &'static str,
}

/// A resistor in parallel with a capacitor or CPE: one semicircle ("arc") of the spectrum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arc {
    /// Parameter index of R.
    pub r: usize,
    /// Parameter index of C or of the CPE's T.
    pub t: usize,
    /// Parameter index of the CPE exponent (None for an ideal capacitor, P = 1).
    pub p: Option<usize>,
    /// True when the arc sits directly in the outermost series chain, so arcs of the same
    /// shape can be swapped without changing the impedance.
    pub top_level: bool,
}

/// A parsed circuit.
#[derive(Debug, Clone)]
pub struct Circuit {
    text: String,
    root: Node,
    elements: Vec<Element>,
    params: Vec<ParamInfo>,
    /// First parameter index of each element.
    offsets: Vec<usize>,
    arcs: Vec<Arc>,
    program: eval::Program,
}

impl Circuit {
    /// Parses a circuit string; errors carry the string and the span of the problem.
    pub fn parse(text: &str) -> Result<Circuit, CircuitError> {
        let (root, elements) = parse::parse(text)?;
        let mut params = Vec::new();
        let mut offsets = Vec::with_capacity(elements.len());
        for (index, e) in elements.iter().enumerate() {
            offsets.push(params.len());
            for (position, suffix) in e.kind.suffixes().iter().enumerate() {
                params.push(ParamInfo {
                    name: format!("{}{}", e.name, suffix),
                    element: index,
                    position,
                    kind: e.kind.param_kinds()[position],
                    unit: e.kind.units()[position],
                });
            }
        }
        let mut arcs = Vec::new();
        find_arcs(&root, &elements, &offsets, true, &mut arcs);
        let program = eval::Program::compile(&root, &elements, &offsets);
        Ok(Circuit {
            text: text.trim().to_string(),
            root,
            elements,
            params,
            offsets,
            arcs,
            program,
        })
    }

    /// The circuit string as given (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn root(&self) -> &Node {
        &self.root
    }

    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    pub fn params(&self) -> &[ParamInfo] {
        &self.params
    }

    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    /// First parameter index of element `element`.
    pub fn offset(&self, element: usize) -> usize {
        self.offsets[element]
    }

    /// The arcs (R ∥ C or R ∥ CPE), in order of appearance.
    pub fn arcs(&self) -> &[Arc] {
        &self.arcs
    }

    /// The parameter index of a name. Accepts the canonical names (`CPE1_T`) and
    /// impedance.py's positional ones (`CPE1_0`, `CPE1_1`), case-insensitively.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.params.iter().position(|p| p.name == name) {
            return Some(i);
        }
        let lower = name.to_ascii_lowercase();
        if let Some(i) = self
            .params
            .iter()
            .position(|p| p.name.to_ascii_lowercase() == lower)
        {
            return Some(i);
        }
        let (element, position) = lower.rsplit_once('_')?;
        let position: usize = position.parse().ok()?;
        let e = self
            .elements
            .iter()
            .position(|e| e.name.to_ascii_lowercase() == element)?;
        (position < self.elements[e].kind.param_count()).then(|| self.offsets[e] + position)
    }

    /// The parameter name closest to `name`, for "did you mean" help.
    pub fn suggest_param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .map(|p| (strsim::levenshtein(&p.name, name), p.name.as_str()))
            .filter(|(d, _)| *d <= 3)
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n)
    }

    /// The series resistance: the first resistor directly in the outermost series chain.
    pub fn series_resistance(&self) -> Option<usize> {
        let top: Vec<&Node> = match &self.root {
            Node::Series(items) => items.iter().collect(),
            other => vec![other],
        };
        top.into_iter().find_map(|n| match n {
            Node::Element(e) if self.elements[*e].kind == ElementKind::R => Some(self.offsets[*e]),
            _ => None,
        })
    }

    /// Impedance at each frequency (Hz) for the given parameters.
    pub fn impedance(&self, params: &[f64], frequencies_hz: &[f64]) -> Vec<Complex64> {
        let omega = Omega::from_hz(frequencies_hz);
        let mut ws = Workspace::new(self, omega.len());
        self.evaluate(params, &omega, &mut ws, false);
        ws.z().to_vec()
    }

    /// Evaluates into `ws` (its `z()` and, with `derivatives`, `dz(k)` per parameter).
    pub fn evaluate(&self, params: &[f64], omega: &Omega, ws: &mut Workspace, derivatives: bool) {
        self.program.run(
            &self.elements,
            &self.offsets,
            params,
            omega,
            ws,
            derivatives,
        );
    }

    pub(crate) fn program(&self) -> &eval::Program {
        &self.program
    }
}

impl std::fmt::Display for Circuit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn find_arcs(node: &Node, elements: &[Element], offsets: &[usize], top: bool, out: &mut Vec<Arc>) {
    match node {
        Node::Element(_) => {}
        Node::Series(items) => {
            for item in items {
                find_arcs(item, elements, offsets, top, out);
            }
        }
        Node::Parallel(items) => {
            if let [Node::Element(a), Node::Element(b)] = items.as_slice() {
                let (ka, kb) = (elements[*a].kind, elements[*b].kind);
                let pair = match (ka, kb) {
                    (ElementKind::R, k) if k.is_capacitive() => Some((*a, *b)),
                    (k, ElementKind::R) if k.is_capacitive() => Some((*b, *a)),
                    _ => None,
                };
                if let Some((r, c)) = pair {
                    out.push(Arc {
                        r: offsets[r],
                        t: offsets[c],
                        p: (elements[c].kind == ElementKind::Cpe).then(|| offsets[c] + 1),
                        top_level: top,
                    });
                    return;
                }
            }
            for item in items {
                find_arcs(item, elements, offsets, false, out);
            }
        }
    }
}

#[cfg(test)]
mod tests;

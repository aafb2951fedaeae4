//! Evaluating a circuit over a whole spectrum: the tree is compiled once into a postfix
//! program whose operations act on whole frequency arrays (element by element, then series
//! sums and parallel combinations), so each pass is a tight loop with no allocation.

use super::element::{self, Omega};
use super::{Circuit, Element, Node};
use num_complex::Complex64;

#[derive(Debug, Clone)]
pub(crate) enum Op {
    Element(usize),
    /// Sum the top `n` buffers.
    Series(usize),
    /// Combine the top buffers in parallel; one parameter range per child (params of a
    /// subtree are contiguous because they are numbered in order of appearance).
    Parallel(Vec<(usize, usize)>),
}

#[derive(Debug, Clone)]
pub(crate) struct Program {
    ops: Vec<Op>,
    depth: usize,
    widest_parallel: usize,
}

impl Program {
    pub fn compile(root: &Node, elements: &[Element], offsets: &[usize]) -> Program {
        let mut program = Program {
            ops: Vec::new(),
            depth: 0,
            widest_parallel: 0,
        };
        let mut depth = 0;
        program.emit(root, elements, offsets, &mut depth);
        program
    }

    /// Emits `node`; returns its parameter range.
    fn emit(
        &mut self,
        node: &Node,
        elements: &[Element],
        offsets: &[usize],
        depth: &mut usize,
    ) -> (usize, usize) {
        match node {
            Node::Element(e) => {
                self.ops.push(Op::Element(*e));
                *depth += 1;
                self.depth = self.depth.max(*depth);
                let lo = offsets[*e];
                (lo, lo + elements[*e].kind.param_count())
            }
            Node::Series(items) | Node::Parallel(items) => {
                let ranges: Vec<(usize, usize)> = items
                    .iter()
                    .map(|item| self.emit(item, elements, offsets, depth))
                    .collect();
                *depth -= items.len().saturating_sub(1);
                let lo = ranges.iter().map(|r| r.0).min().unwrap_or(0);
                let hi = ranges.iter().map(|r| r.1).max().unwrap_or(0);
                if matches!(node, Node::Series(_)) {
                    self.ops.push(Op::Series(items.len()));
                } else {
                    self.widest_parallel = self.widest_parallel.max(items.len());
                    self.ops.push(Op::Parallel(ranges));
                }
                (lo, hi)
            }
        }
    }

    pub fn run(
        &self,
        elements: &[Element],
        offsets: &[usize],
        params: &[f64],
        omega: &Omega,
        ws: &mut Workspace,
        derivatives: bool,
    ) {
        let n = omega.len();
        debug_assert_eq!(ws.n, n);
        let mut top = 0;
        for op in &self.ops {
            match op {
                Op::Element(e) => {
                    let kind = elements[*e].kind;
                    let lo = offsets[*e];
                    let m = kind.param_count();
                    let dz = derivatives.then(|| &mut ws.dz[lo * n..(lo + m) * n]);
                    element::evaluate(kind, &params[lo..lo + m], omega, &mut ws.stack[top], dz);
                    top += 1;
                }
                Op::Series(count) => {
                    let first = top - count;
                    let (head, tail) = ws.stack.split_at_mut(first + 1);
                    let acc = &mut head[first];
                    for other in &tail[..count - 1] {
                        for (a, b) in acc.iter_mut().zip(other) {
                            *a += *b;
                        }
                    }
                    top = first + 1;
                }
                Op::Parallel(ranges) => {
                    let count = ranges.len();
                    let first = top - count;
                    let (head, tail) = ws.stack.split_at_mut(first + 1);
                    let acc = &mut head[first];
                    let others = &tail[..count - 1];
                    // Y = Σ 1/Z_i, Z = 1/Y, ∂Z/∂θ = (Z/Z_i)² ∂Z_i/∂θ for θ in child i.
                    for k in 0..n {
                        let mut y = acc[k].inv();
                        ws.factors[k] = y;
                        for (i, other) in others.iter().enumerate() {
                            let yi = other[k].inv();
                            ws.factors[(i + 1) * n + k] = yi;
                            y += yi;
                        }
                        acc[k] = y.inv();
                    }
                    if derivatives {
                        for (i, &(lo, hi)) in ranges.iter().enumerate() {
                            let f = &mut ws.factors[i * n..(i + 1) * n];
                            for (fk, zk) in f.iter_mut().zip(acc.iter()) {
                                let ratio = *zk * *fk;
                                *fk = ratio * ratio;
                            }
                            for block in ws.dz[lo * n..hi * n].chunks_exact_mut(n) {
                                for (d, fk) in block.iter_mut().zip(f.iter()) {
                                    *d *= *fk;
                                }
                            }
                        }
                    }
                    top = first + 1;
                }
            }
        }
    }
}

/// Buffers for evaluating one circuit on spectra of one length; reuse it across calls.
#[derive(Debug, Clone)]
pub struct Workspace {
    n: usize,
    stack: Vec<Vec<Complex64>>,
    dz: Vec<Complex64>,
    factors: Vec<Complex64>,
}

impl Workspace {
    pub fn new(circuit: &Circuit, n: usize) -> Workspace {
        let program = circuit.program();
        Workspace {
            n,
            stack: vec![vec![Complex64::default(); n]; program.depth.max(1)],
            dz: vec![Complex64::default(); circuit.param_count() * n],
            factors: vec![Complex64::default(); program.widest_parallel * n],
        }
    }

    /// Number of frequencies this workspace is sized for.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The impedance from the last evaluation.
    pub fn z(&self) -> &[Complex64] {
        &self.stack[0]
    }

    /// ∂Z/∂(parameter k) from the last evaluation with derivatives.
    pub fn dz(&self, k: usize) -> &[Complex64] {
        &self.dz[k * self.n..(k + 1) * self.n]
    }
}

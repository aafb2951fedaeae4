//! Reading a protocol and its imports: the [`Loader`] trait (files on disk, or in memory for
//! tests), path resolution relative to the importing file, and cycle detection.

use super::error::{CheckError, ErrorKind, Problem};
use crate::source::{SourceFile, Span};
use crate::syntax::{Ast, Item};
use miette::NamedSource;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Where imported files come from.
pub trait Loader {
    /// The text of the file at `path` (a path as returned by [`Loader::resolve`]).
    fn load(&self, path: &str) -> std::io::Result<String>;

    /// The path of `import` written in the file at `importer`: relative to the importer's
    /// folder, normalised (`a/./b/../c` → `a/c`).
    fn resolve(&self, importer: &str, import: &str) -> String {
        let base = Path::new(importer).parent().unwrap_or(Path::new(""));
        normalise(&base.join(import))
    }
}

/// Reads files from disk.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &str) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// Files held in memory, by path (for tests and for editors with unsaved buffers).
#[derive(Debug, Clone, Default)]
pub struct MemoryLoader {
    pub files: BTreeMap<String, String>,
}

impl MemoryLoader {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, path: &str, text: &str) -> Self {
        self.files
            .insert(normalise(Path::new(path)), text.to_string());
        self
    }
}

impl Loader for MemoryLoader {
    fn load(&self, path: &str) -> std::io::Result<String> {
        self.files.get(path).cloned().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file in memory")
        })
    }
}

/// Lexical normalisation (no file system access): drops `.`, folds `dir/..`.
pub(crate) fn normalise(path: &Path) -> String {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out.to_string_lossy().replace('\\', "/")
}

/// One parsed file of a protocol.
pub(crate) struct Loaded {
    pub source: SourceFile,
    pub named: Arc<NamedSource<String>>,
    pub ast: Ast,
    /// True for the file given to `check`; false for imports.
    pub main: bool,
}

/// Loads `main` and everything it imports, depth first: each file appears once, after the
/// files it imports (so definitions come before their use) and the main file last.
pub(crate) fn load_all(
    main: SourceFile,
    loader: &dyn Loader,
    problems: &mut Vec<Problem>,
) -> Vec<Loaded> {
    let mut state = State {
        loader,
        done: Vec::new(),
        stack: Vec::new(),
        problems,
    };
    state.visit(main, true);
    state.done
}

struct State<'a> {
    loader: &'a dyn Loader,
    done: Vec<Loaded>,
    stack: Vec<String>,
    problems: &'a mut Vec<Problem>,
}

impl State<'_> {
    fn visit(&mut self, source: SourceFile, main: bool) {
        let ast = match crate::syntax::parse(&source) {
            Ok(ast) => ast,
            Err(errors) => {
                self.problems
                    .extend(errors.into_iter().map(Problem::Syntax));
                return;
            }
        };
        let named = Arc::new(source.named_source());
        self.stack.push(source.path.clone());
        for item in &ast.items {
            let Item::Import(import) = item else { continue };
            let path = self.loader.resolve(&source.path, &import.node);
            if let Some(pos) = self.stack.iter().position(|p| *p == path) {
                let mut chain: Vec<String> = self.stack[pos..].to_vec();
                chain.push(path);
                self.error(&named, import.span, ErrorKind::ImportCycle { chain });
                continue;
            }
            if self.done.iter().any(|l| l.source.path == path) {
                continue;
            }
            match self.loader.load(&path) {
                Ok(text) => self.visit(SourceFile::new(path, text), false),
                Err(e) => self.error(
                    &named,
                    import.span,
                    ErrorKind::MissingImport {
                        path,
                        reason: io_reason(&e),
                    },
                ),
            }
        }
        self.stack.pop();
        self.done.push(Loaded {
            source,
            named,
            ast,
            main,
        });
    }

    fn error(&mut self, named: &Arc<NamedSource<String>>, span: Span, kind: ErrorKind) {
        self.problems
            .push(Problem::Check(CheckError::new(kind, span, named.clone())));
    }
}

/// An I/O error in words that do not depend on the platform for the common case.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

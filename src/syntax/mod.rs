//! Parse: `.mgp` text → AST with spans (pest). No pest type leaves this module.

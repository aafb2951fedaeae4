//! Model: the paper's derived quantities, one documented function each.

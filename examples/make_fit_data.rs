//! Writes `examples/data/lean_mg_cell.csv` from known parameters
//! (`mgp::fit::synthetic::lean_cell_csv`): `cargo run --example make_fit_data`.

fn main() -> std::io::Result<()> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/lean_mg_cell.csv");
    std::fs::write(&path, mgp::fit::synthetic::lean_cell_csv())?;
    println!("wrote {}", path.display());
    Ok(())
}

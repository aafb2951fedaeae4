//! All integration tests in one binary: one link instead of forty keeps a fresh
//! `cargo test` within minutes on a two-core machine. Each module is one former test file.

mod methodscript_common;
mod report_support;

mod cli_run;
mod device_resume;
mod dry_run;
mod fit_accuracy;
mod fit_analyze_killed;
mod fit_batch;
mod fit_circuit;
mod fit_cli;
mod fit_data;
mod fit_undetermined;
mod lang_cli;
mod lang_limits;
mod lang_props;
mod lang_units;
mod language;
mod methodscript_cli;
mod methodscript_emulator;
mod methodscript_faults;
mod methodscript_operator;
mod methodscript_packet;
mod methodscript_protocols;
mod methodscript_resume;
mod methodscript_run;
mod methodscript_script;
mod methodscript_wire;
mod protocol_snapshots;
mod report_browser;
mod report_cli;
mod report_properties;
mod report_protocols;
mod report_simulated;
mod report_structure;
mod run_interpreter;
mod sim_compliance;
mod sim_film;
mod sim_history;
mod sim_instrument;
mod sim_model_limits;
mod sim_not_modelled;
mod sim_observations;
mod sim_properties;
mod sim_resume;

//! `mgp test protocols/` as CI runs it: each protocol's dry-run matches its `NAME.mgp.snap`.

#[test]
fn protocols_match_their_mgp_snapshots() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(["test", "protocols"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed, 0 new"), "{stdout}");
}

#[test]
fn a_changed_result_is_a_readable_diff_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols");
    for name in ["materials.mgp", "gc-li2s8.mgp", "gc-li2s8.mgp.snap"] {
        std::fs::copy(root.join(name), dir.path().join(name)).unwrap();
    }
    let snap = dir.path().join("gc-li2s8.mgp.snap");
    let text = std::fs::read_to_string(&snap).unwrap();
    let tampered: String = text
        .lines()
        .map(|l| {
            if l.starts_with("step.0") {
                l.replacen("completed", "failed", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&snap, tampered).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mgp"))
        .arg("test")
        .arg(dir.path().join("gc-li2s8.mgp"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("- step.0 = ") && stdout.contains("+ step.0 = "),
        "{stdout}"
    );
    assert!(stdout.contains("0 passed, 1 failed, 0 new"), "{stdout}");
    // --update rewrites it and counts it as updated, not new.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mgp"))
        .args(["test", "--update"])
        .arg(dir.path().join("gc-li2s8.mgp"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("0 passed, 0 failed, 0 new, 1 updated"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), text);
}

/// `mgp test examples`: the example protocols (new techniques, cycling) match their snapshots.
#[test]
fn examples_match_their_mgp_snapshots() {
    // An example with a snapshot must match it; one without (a technique or substrate the
    // simulator does not model yet) must be refused out loud, never simulated silently.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut examples: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "mgp"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 6, "{examples:?}");
    let mut snapshotted = 0;
    for example in &examples {
        let has_snapshot = example.with_extension("mgp.snap").exists();
        let scratch = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mgp"));
        if has_snapshot {
            command.arg("test").arg(example);
        } else {
            let out = scratch.path().join("run");
            command
                .arg("run")
                .arg(example)
                .arg("--out")
                .arg(out)
                .arg("--no-analysis");
        }
        let output = command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if has_snapshot {
            snapshotted += 1;
            assert_eq!(
                output.status.code(),
                Some(0),
                "{example:?}\n{stdout}\n{stderr}"
            );
            assert!(stdout.contains(" passed, 0 failed, 0 new"), "{stdout}");
        } else {
            assert_eq!(
                output.status.code(),
                Some(1),
                "{example:?}\n{stdout}\n{stderr}"
            );
            assert!(
                format!("{stdout}{stderr}").contains("does not model"),
                "{example:?} must be refused by name\n{stdout}\n{stderr}"
            );
        }
    }
    assert!(snapshotted >= 1);
}

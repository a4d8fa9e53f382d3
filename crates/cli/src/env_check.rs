//! Warns about `DATOLITE_*` environment variables datolite does not read — a misspelt
//! `DATOLITE_LMDB_MAPSIZE` would otherwise be silently ignored — naming the closest one it does.

use datolite::ENV_VARS;

/// Variables the command line reads besides the storage options: the database directory and
/// the REPL's history file.
const CLI_VARS: [&str; 7] = [
    "DATOLITE_DB",
    crate::commands::repl::HISTORY_FILE_VAR,
    // Read by scripts/local-postgres.sh and the PostgreSQL test suites, not by the binary.
    "DATOLITE_PG_DIR",
    "DATOLITE_PG_PORT",
    "DATOLITE_PG_REQUIRED",
    "DATOLITE_PG_TLS_URL",
    "DATOLITE_PG_TLS_ROOT",
];

/// The warning for each unknown `DATOLITE_*` variable among `names`.
pub fn unknown_variables<'n>(names: impl Iterator<Item = &'n str>) -> Vec<String> {
    let known: Vec<&str> = ENV_VARS
        .iter()
        .map(|(name, _)| *name)
        .chain(CLI_VARS)
        .collect();
    names
        .filter(|name| name.starts_with("DATOLITE_") && !known.contains(name))
        .map(|name| {
            let closest = known
                .iter()
                .map(|k| (strsim::damerau_levenshtein(name, k), *k))
                .min()
                .filter(|(distance, _)| *distance <= name.len() / 3);
            match closest {
                Some((_, k)) => format!("unknown variable {name} is ignored (did you mean {k}?)"),
                None => format!(
                    "unknown variable {name} is ignored (`datolite --help` lists the DATOLITE_* variables)"
                ),
            }
        })
        .collect()
}

/// Prints a warning on stderr for each unknown `DATOLITE_*` variable of the process.
pub fn warn_unknown_variables() {
    let names: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .collect();
    for warning in unknown_variables(names.iter().map(String::as_str)) {
        eprintln!("warning: {warning}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_variables_are_named_with_the_closest_known_one() {
        let warnings = unknown_variables(
            [
                "DATOLITE_LMDB_MAPSIZE",
                "DATOLITE_DB",
                "DATOLITE_HISTORY_FILE",
                "PATH",
                "DATOLITE_SYNC",
                "DATOLITE_ZZZ_QQQ_XXX",
            ]
            .into_iter(),
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("did you mean DATOLITE_LMDB_MAP_SIZE?"),
            "{warnings:?}"
        );
        assert!(warnings[1].contains("DATOLITE_ZZZ_QQQ_XXX") && warnings[1].contains("--help"));
    }
}

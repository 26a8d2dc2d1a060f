//! `finsim generate` (a large scenario from a few numbers) and `finsim schema` (the scenario
//! format's JSON Schema): commands that read no file.

use super::output::Output;

/// Prints the scenario `spec` describes, or refuses a size whose file `run` would refuse.
pub fn generate(out: &Output, spec: &crate::generate::Spec) -> u8 {
    match crate::generate::scenario_yaml(spec) {
        Ok(yaml) => {
            out.line(yaml.trim_end());
            super::PASSED
        }
        Err(error) => {
            eprintln!("error: {error}");
            super::INVALID
        }
    }
}

/// Prints the JSON Schema of the scenario format.
pub fn schema(out: &Output) -> u8 {
    out.line(&serde_json::to_string_pretty(&crate::scenario::json_schema()).unwrap_or_default());
    super::PASSED
}

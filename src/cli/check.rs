//! `finsim check`: a scenario validated without a run.

use super::input;
use super::output::Output;

use crate::text::{clip, escape};

pub fn check(out: &Output, file: &str, json: bool) -> u8 {
    let loaded = input::load(file);
    if json {
        let value = match &loaded {
            Ok(scenario) => {
                let seeds = crate::suite::seeds_of(scenario, None);
                serde_json::json!({
                "file": file,
                "valid": true,
                "scenario": scenario.name,
                "steps": scenario.flow.len(),
                "expectations": scenario.expect.len(),
                "seeds": [*seeds.start(), *seeds.end()],
                })
            }
            Err(error) => {
                let problems: Vec<serde_json::Value> = match error.problems() {
                    [] => vec![serde_json::json!({"line": 0, "column": 0, "message": error.to_string(), "help": null})],
                    problems => problems
                        .iter()
                        .map(|p| serde_json::json!({"line": p.line, "column": p.column, "message": p.message, "help": p.help}))
                        .collect(),
                };
                serde_json::json!({"file": file, "valid": false, "problems": problems})
            }
        };
        out.line(&value.to_string());
        return if loaded.is_ok() { super::PASSED } else { super::INVALID };
    }
    match loaded {
        Ok(scenario) => {
            out.line(&format!(
                "{}: valid scenario `{}` ({} steps, {} expectations)",
                escape(file),
                escape(&clip(&scenario.name, 200)),
                scenario.flow.len(),
                scenario.expect.len()
            ));
            super::PASSED
        }
        Err(error) => super::invalid(&error),
    }
}

//! Fuzz target: arbitrary text as a rules file, loaded and compiled.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie::detect::{Engine, EngineOptions};
use vigie::rules::{Classifications, Loader, Vars};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let vars = Vars::default();
    let classes = Classifications::default();
    let mut loader = Loader::new(&vars, &classes);
    loader.add_text(&text, "fuzz.rules");
    let set = loader.finish();
    for d in &set.diagnostics {
        let _ = d.to_string();
    }
    let _ = Engine::build(set, EngineOptions::default());
});

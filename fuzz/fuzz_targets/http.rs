//! Fuzz target: the http parser fed arbitrary bytes, split and directed by the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    vigie::app::http::fuzz_one(data);
});

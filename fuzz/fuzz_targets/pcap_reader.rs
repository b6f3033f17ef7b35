//! Fuzz target: arbitrary bytes as a capture file, read to the end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use vigie::capture::CaptureFile;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut file) = CaptureFile::from_reader(Path::new("fuzz.pcap"), std::io::Cursor::new(data.to_vec())) {
        let mut n = 0u32;
        while let Ok(Some(p)) = file.next_packet() {
            n = n.wrapping_add(p.data.len() as u32);
        }
        let _ = (n, file.truncation());
    }
});

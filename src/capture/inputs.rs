//! Turns the paths given on the command line into an ordered list of capture files.

use super::CaptureError;
use std::path::{Path, PathBuf};

/// Expands directories into the capture files they hold (`.pcap`, `.pcapng`,
/// `.cap`, sorted by name, not recursive); plain files are kept as given, and
/// `-` stands for standard input.
pub fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CaptureError> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(path.clone());
        } else if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| CaptureError::Open {
                path: path.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_capture_name(p))
                .collect();
            found.sort();
            out.extend(found);
        } else if path.exists() {
            out.push(path.clone());
        } else {
            return Err(CaptureError::Missing { path: path.clone() });
        }
    }
    Ok(out)
}

fn is_capture_name(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    [".pcap", ".pcapng", ".cap"].iter().any(|ext| name.ends_with(ext)) && !name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_expands_sorted_and_filtered() {
        let dir = std::env::temp_dir().join(format!("vigie-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["b.pcap", "a.pcapng", "notes.txt"] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let got = expand_inputs(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<_> = got
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(names, vec!["a.pcapng", "b.pcap"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_path_is_an_error() {
        let err = expand_inputs(&[PathBuf::from("/nonexistent/x.pcap")]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x.pcap"));
    }
}

//! EVE records at rest. A store trains a zstd dictionary on its own first
//! alerts and compresses every later record with it: an alert's EVE record
//! is mostly the same keys and values as the one before, which a dictionary
//! holds once, so a 730-byte record keeps about 110 bytes on disk (the
//! store benchmark). Records written before the store has a dictionary
//! stay plain text, and each packed record names the dictionary it needs.

use super::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Plain records a store gathers before it trains its dictionary.
pub const SAMPLES: usize = 1_000;
/// Training rounds before a store gives up and keeps records plain (each
/// round gathers four times the samples of the one before).
const ROUNDS: u32 = 3;
const DICTIONARY_BYTES: usize = 16 << 10;
/// zstd's fastest level: the sender pays it for every alert.
const LEVEL: i32 = 1;
/// No EVE record vigie writes comes near this; a frame claiming more is
/// refused rather than allocated.
const LARGEST_RECORD: u64 = 64 << 20;

/// A record as it crosses to the writer: plain, or packed with dictionary `dict`.
#[derive(Debug)]
pub enum Eve {
    Plain(String),
    Packed { dict: i64, bytes: Vec<u8> },
}

/// A dictionary with its id in `eve_dictionaries`.
pub struct Dictionary {
    pub id: i64,
    pub bytes: Vec<u8>,
}

/// The writer's newest dictionary, handed to whoever packs records.
#[derive(Default)]
pub struct Published {
    /// Id of the newest dictionary; 0 before there is one.
    id: AtomicI64,
    newest: Mutex<Option<Arc<Dictionary>>>,
}

impl Published {
    pub fn publish(&self, d: Arc<Dictionary>) {
        let id = d.id;
        if let Ok(mut slot) = self.newest.lock() {
            *slot = Some(d);
            self.id.store(id, Ordering::Release);
        }
    }

    fn newest(&self) -> Option<Arc<Dictionary>> {
        self.newest.lock().ok().and_then(|slot| slot.clone())
    }
}

/// Packs records with the newest published dictionary (the sender's side).
pub struct Encoder {
    published: Arc<Published>,
    compressor: Option<(i64, zstd::bulk::Compressor<'static>)>,
}

impl Encoder {
    pub fn new(published: Arc<Published>) -> Encoder {
        Encoder {
            published,
            compressor: None,
        }
    }

    /// The record packed if a dictionary is published, as given otherwise.
    pub fn pack(&mut self, eve: String) -> Eve {
        let newest = self.published.id.load(Ordering::Acquire);
        if newest == 0 {
            return Eve::Plain(eve);
        }
        if self.compressor.as_ref().map(|(id, _)| *id) != Some(newest) {
            self.compressor = self.published.newest().and_then(|d| match compressor(&d.bytes) {
                Ok(c) => Some((d.id, c)),
                Err(e) => {
                    tracing::warn!("store: EVE dictionary {} unusable, records stay plain: {e}", d.id);
                    None
                }
            });
        }
        match &mut self.compressor {
            Some((dict, c)) => match c.compress(eve.as_bytes()) {
                Ok(bytes) => Eve::Packed { dict: *dict, bytes },
                Err(_) => Eve::Plain(eve),
            },
            None => Eve::Plain(eve),
        }
    }
}

fn compressor(dictionary: &[u8]) -> std::io::Result<zstd::bulk::Compressor<'static>> {
    let mut c = zstd::bulk::Compressor::with_dictionary(LEVEL, dictionary)?;
    // The store knows the dictionary and keeps its own integrity; the
    // frame needs only its content size (for the reader's buffer).
    c.include_checksum(false)?;
    c.include_dictid(false)?;
    c.include_contentsize(true)?;
    Ok(c)
}

/// Gathers plain records and trains a dictionary on them, on a thread of
/// its own (the writer's side).
pub struct Trainer {
    samples: Vec<String>,
    wanted: usize,
    rounds: u32,
    training: Option<JoinHandle<std::io::Result<Vec<u8>>>>,
    done: bool,
}

impl Trainer {
    pub fn new() -> Trainer {
        Trainer::wanting(SAMPLES)
    }

    fn wanting(wanted: usize) -> Trainer {
        Trainer {
            samples: Vec::new(),
            wanted,
            rounds: 0,
            training: None,
            done: false,
        }
    }

    /// A trainer with nothing to do: the store has its dictionary.
    pub fn finished() -> Trainer {
        Trainer {
            done: true,
            ..Trainer::new()
        }
    }

    /// Offers a plain record as a sample.
    pub fn offer(&mut self, eve: &str) {
        if self.done || self.training.is_some() || self.samples.len() >= self.wanted {
            return;
        }
        self.samples.push(eve.to_string());
        if self.samples.len() >= self.wanted {
            let samples = std::mem::take(&mut self.samples);
            let spawned = std::thread::Builder::new()
                .name("vigie-eve-dict".into())
                .spawn(move || zstd::dict::from_samples(&samples, DICTIONARY_BYTES));
            match spawned {
                Ok(h) => self.training = Some(h),
                Err(e) => self.give_up(&e.to_string()),
            }
        }
    }

    /// A dictionary, once training has produced one.
    pub fn trained(&mut self) -> Option<Vec<u8>> {
        if !self.training.as_ref().is_some_and(JoinHandle::is_finished) {
            return None;
        }
        let outcome = self.training.take()?.join();
        self.rounds += 1;
        match outcome {
            Ok(Ok(dictionary)) => {
                self.done = true;
                Some(dictionary)
            }
            Ok(Err(e)) if self.rounds < ROUNDS => {
                tracing::debug!("store: EVE dictionary not trained ({e}); trying again on more records");
                self.wanted = self.wanted.saturating_mul(4);
                None
            }
            Ok(Err(e)) => {
                self.give_up(&e.to_string());
                None
            }
            Err(_) => {
                self.give_up("training thread panicked");
                None
            }
        }
    }

    fn give_up(&mut self, why: &str) {
        tracing::info!("store: EVE records stay plain text: {why}");
        self.done = true;
        self.samples = Vec::new();
    }
}

impl Default for Trainer {
    fn default() -> Self {
        Trainer::new()
    }
}

/// Keeps a new dictionary in the store; packed records name its id.
pub fn save(conn: &Connection, bytes: Vec<u8>, now_micros: i64) -> Result<Dictionary, StoreError> {
    conn.execute(
        "INSERT INTO eve_dictionaries (created_at, bytes) VALUES (?1, ?2)",
        params![now_micros, bytes],
    )?;
    Ok(Dictionary {
        id: conn.last_insert_rowid(),
        bytes,
    })
}

/// The store's newest dictionary, if it has one.
pub fn newest(conn: &Connection) -> Result<Option<Dictionary>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, bytes FROM eve_dictionaries ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok(Dictionary {
                    id: r.get(0)?,
                    bytes: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// Unpacks records, loading each dictionary they name once (the reader's side).
pub struct Decoder<'c> {
    conn: &'c Connection,
    loaded: HashMap<i64, zstd::bulk::Decompressor<'static>>,
}

impl<'c> Decoder<'c> {
    pub fn new(conn: &'c Connection) -> Decoder<'c> {
        Decoder {
            conn,
            loaded: HashMap::new(),
        }
    }

    /// The record `bytes` packed with dictionary `dict` as text.
    pub fn unpack(&mut self, dict: i64, bytes: &[u8]) -> Result<String, StoreError> {
        let corrupt = |why: String| StoreError::Corrupt(format!("EVE record packed with dictionary {dict}: {why}"));
        if !self.loaded.contains_key(&dict) {
            let dictionary: Option<Vec<u8>> = self
                .conn
                .query_row("SELECT bytes FROM eve_dictionaries WHERE id = ?1", [dict], |r| r.get(0))
                .optional()?;
            let dictionary = dictionary.ok_or_else(|| corrupt("no such dictionary".into()))?;
            let d = zstd::bulk::Decompressor::with_dictionary(&dictionary).map_err(|e| corrupt(e.to_string()))?;
            self.loaded.insert(dict, d);
        }
        let size = match zstd::zstd_safe::get_frame_content_size(bytes) {
            Ok(Some(n)) if n <= LARGEST_RECORD => n as usize,
            Ok(Some(n)) => return Err(corrupt(format!("claims {n} bytes"))),
            _ => return Err(corrupt("no content size".into())),
        };
        let d = self
            .loaded
            .get_mut(&dict)
            .ok_or_else(|| corrupt("dictionary not loaded".into()))?;
        let plain = d.decompress(bytes, size).map_err(|e| corrupt(e.to_string()))?;
        String::from_utf8(plain).map_err(|e| corrupt(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::open_connection;
    use crate::store::testing::{row, temp_db};

    fn records(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                row(
                    1_700_000_000_000_000 + i as i64 * 977,
                    2_000_000 + (i % 40) as u32,
                    &format!("203.0.{}.{}", i % 200, i % 250),
                    "10.9.0.1",
                )
                .eve
            })
            .collect()
    }

    fn trained(samples: &[String]) -> Vec<u8> {
        let mut t = Trainer::wanting(samples.len());
        samples.iter().for_each(|s| t.offer(s));
        for _ in 0..1000 {
            if let Some(d) = t.trained() {
                return d;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("no dictionary after 5 s");
    }

    #[test]
    fn packed_records_come_back_whole_and_small() {
        let conn = open_connection(&temp_db("codec")).unwrap();
        let recs = records(1_200);
        let dict = save(&conn, trained(&recs[..SAMPLES]), 0).unwrap();
        let published = Arc::new(Published::default());
        let mut enc = Encoder::new(published.clone());
        assert!(
            matches!(enc.pack(recs[0].clone()), Eve::Plain(_)),
            "nothing published yet"
        );
        published.publish(Arc::new(newest(&conn).unwrap().unwrap()));
        let mut dec = Decoder::new(&conn);
        let (mut plain, mut packed) = (0, 0);
        for r in &recs[SAMPLES..] {
            let Eve::Packed { dict: id, bytes } = enc.pack(r.clone()) else {
                panic!("not packed")
            };
            assert_eq!(id, dict.id);
            assert_eq!(&dec.unpack(id, &bytes).unwrap(), r);
            plain += r.len();
            packed += bytes.len();
        }
        assert!(packed * 3 < plain, "{packed} packed bytes for {plain} plain");
    }

    #[test]
    fn damaged_records_and_unknown_dictionaries_are_errors() {
        let conn = open_connection(&temp_db("codec-bad")).unwrap();
        let recs = records(SAMPLES);
        let dict = save(&conn, trained(&recs), 0).unwrap();
        let mut c = compressor(&dict.bytes).unwrap();
        let good = c.compress(recs[3].as_bytes()).unwrap();
        let mut dec = Decoder::new(&conn);
        assert_eq!(dec.unpack(dict.id, &good).unwrap(), recs[3]);
        assert!(matches!(dec.unpack(dict.id + 1, &good), Err(StoreError::Corrupt(_))));
        for cut in [0, 1, good.len() / 2, good.len() - 1] {
            assert!(dec.unpack(dict.id, &good[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x55;
        // Either refused or decoded to something else, never a panic.
        let _ = dec.unpack(dict.id, &flipped);
    }

    #[test]
    fn a_trainer_on_poor_samples_comes_to_an_end_within_its_rounds() {
        let mut t = Trainer::wanting(4);
        for _ in 0..10_000 {
            t.offer("x");
            let _ = t.trained();
            if t.done {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(t.done && t.rounds <= ROUNDS, "rounds {}", t.rounds);
    }
}

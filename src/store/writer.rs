//! The store's single writer: a thread that takes alert rows from a bounded
//! channel and inserts them in batched transactions, with their hourly
//! counts; and beside it a thread that copies the write-ahead log into the
//! database after each batch, so the writer never stops to do it. Rows
//! cross the channel in small bundles: one hand-over per row would cost the
//! sender more than the insert costs the writer. The sender also packs each
//! EVE record with the store's dictionary (see `eve_codec`), so that work is
//! not the writer's either, and so is parsing the addresses the hourly
//! counts are kept by; committed rows go back to the sender to be freed
//! where they were allocated (freeing them on the writer's thread cost it
//! a twentieth of its time).

use super::eve_codec::{self, Encoder, Eve, Published, Trainer};
use super::rollup::{AddrKey, Tally};
use super::{AlertRow, StoreError, open_connection};
use rusqlite::params;
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const BATCH: usize = 20_000;
/// A batch waits for a running checkpoint up to this size (see `write`).
const BATCH_WAITING: usize = 2 * BATCH;
/// The write-ahead log's size past which the writer lets it restart.
const LOG_LIMIT_BYTES: i64 = 256 << 20;
/// The longest the writer waits for a checkpoint to let the log restart.
const LOG_WAIT: Duration = Duration::from_secs(2);
const MAX_DELAY: Duration = Duration::from_millis(200);
/// Rows the sender gathers before handing them over.
const BUNDLE: usize = 256;

/// A row on its way to the writer, its EVE record taken out (and packed).
struct Pending {
    row: AlertRow,
    eve: Eve,
    src: AddrKey,
    dst: AddrKey,
}

enum Msg {
    Rows(Vec<Pending>),
    Flush(SyncSender<()>),
}

/// Handle to the writer thread.
pub struct StoreWriter {
    tx: Option<SyncSender<Msg>>,
    handle: Option<JoinHandle<Result<u64, StoreError>>>,
    /// Rows not yet handed over (see `send_pending`).
    pending: Vec<Pending>,
    encoder: Encoder,
    /// Committed rows coming back to be freed.
    committed: Receiver<Vec<Pending>>,
}

impl StoreWriter {
    /// The queue a sensor gives its writer: a whole waiting batch, so under
    /// a steady flood the sender gathers the next batch while the writer
    /// commits the last one. With a quarter of this (8,192 rows), the two
    /// took turns and the store benchmark wrote 104,000 alerts/s instead
    /// of 166,000. At most this many rows (a few hundred bytes each, the
    /// EVE records packed) wait in memory, and only during such a flood.
    pub const QUEUE: usize = BATCH_WAITING;

    /// Opens (and migrates) the store at `path` and starts the writer;
    /// about `queue` rows wait for it before `insert` blocks.
    pub fn start(path: PathBuf, queue: usize) -> Result<StoreWriter, StoreError> {
        // Open once here so a bad path fails the caller, not the thread.
        // Its dictionary, if it has one, packs the very first row.
        let published = Arc::new(Published::default());
        let trainer = match eve_codec::newest(&open_connection(&path)?)? {
            Some(d) => {
                published.publish(Arc::new(d));
                Trainer::finished()
            }
            None => Trainer::new(),
        };
        let (tx, rx) = sync_channel((queue / BUNDLE).max(1));
        let (give_back, committed) = std::sync::mpsc::channel();
        let handle = {
            let published = published.clone();
            std::thread::Builder::new()
                .name("vigie-store".into())
                .spawn(move || run(path, rx, trainer, &published, &give_back))
                .map_err(|e| StoreError::Thread(e.to_string()))?
        };
        Ok(StoreWriter {
            tx: Some(tx),
            handle: Some(handle),
            pending: Vec::with_capacity(BUNDLE),
            encoder: Encoder::new(published),
            committed,
        })
    }

    /// Queues one row; blocks while the queue is full (alerts are never
    /// dropped). The row may wait with the sender until `send_pending`, a
    /// full bundle, `flush` or `finish` hands it over.
    pub fn insert(&mut self, mut row: AlertRow) -> Result<(), StoreError> {
        let eve = self.encoder.pack(std::mem::take(&mut row.eve));
        let (src, dst) = (AddrKey::of(&row.src_ip), AddrKey::of(&row.dest_ip));
        self.pending.push(Pending { row, eve, src, dst });
        if self.pending.len() >= BUNDLE {
            self.send_pending()?;
        }
        Ok(())
    }

    /// Hands the rows gathered so far to the writer. A sender calls it when
    /// it has nothing more to send at once, so a lone alert is not held.
    pub fn send_pending(&mut self) -> Result<(), StoreError> {
        // Frees what the writer has committed since the last hand-over.
        while self.committed.try_recv().is_ok() {}
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::replace(&mut self.pending, Vec::with_capacity(BUNDLE));
        match &self.tx {
            Some(tx) => tx.send(Msg::Rows(rows)).map_err(|_| StoreError::WriterGone),
            None => Err(StoreError::WriterGone),
        }
    }

    /// Waits until everything queued so far is committed.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        self.send_pending()?;
        let (ack_tx, ack_rx) = sync_channel(1);
        let tx = self.tx.as_ref().ok_or(StoreError::WriterGone)?;
        tx.send(Msg::Flush(ack_tx)).map_err(|_| StoreError::WriterGone)?;
        ack_rx.recv().map_err(|_| StoreError::WriterGone)
    }

    /// Commits what is queued and stops; returns the rows written.
    pub fn finish(mut self) -> Result<u64, StoreError> {
        self.send_pending()?;
        self.tx.take();
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| StoreError::Thread("store writer panicked".into()))?,
            None => Ok(0),
        }
    }
}

impl Drop for StoreWriter {
    fn drop(&mut self) {
        let _ = self.send_pending();
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// What the writer knows of the checkpoint thread's work.
#[derive(Default)]
struct CheckpointState {
    /// A checkpoint was asked for and is not over.
    busy: AtomicBool,
    /// Frames in the write-ahead log at the last checkpoint.
    log_frames: AtomicI64,
}

/// Checkpoints on its own connection each time the writer nudges it,
/// without waiting for readers (PASSIVE), until the writer is gone.
fn checkpoints(path: PathBuf, nudges: Receiver<()>, state: Arc<CheckpointState>) {
    let conn = match open_connection(&path) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("store checkpoints: {e}");
            return;
        }
    };
    while nudges.recv().is_ok() {
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1)) {
            Ok(frames) => state.log_frames.store(frames, Ordering::Relaxed),
            Err(e) => tracing::warn!("store checkpoint: {e}"),
        }
        state.busy.store(false, Ordering::Release);
    }
}

fn run(
    path: PathBuf,
    rx: Receiver<Msg>,
    trainer: Trainer,
    published: &Published,
    give_back: &Sender<Vec<Pending>>,
) -> Result<u64, StoreError> {
    let mut conn = open_connection(&path)?;
    conn.pragma_update(None, "cache_size", -65536)?;
    // The checkpoint thread does this writer's checkpoints.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    // A restarted log keeps up to 512 MB of its file: writing over blocks
    // it already has costs less than growing the file again each time.
    conn.pragma_update(None, "journal_size_limit", 512 << 20)?;
    let (nudge, nudges) = sync_channel::<()>(1);
    let state = Arc::new(CheckpointState::default());
    let checkpointer = {
        let path = path.clone();
        let state = state.clone();
        std::thread::Builder::new()
            .name("vigie-checkpoint".into())
            .spawn(move || checkpoints(path, nudges, state))
            .map_err(|e| StoreError::Thread(e.to_string()))?
    };
    let ckpt = Checkpointer { nudge, state };
    let mut packing = Packing { trainer, published };
    let written = write(&mut conn, &rx, &ckpt, &mut packing, give_back);
    drop(ckpt);
    let _ = checkpointer.join();
    written
}

/// The writer's side of the checkpoint thread.
struct Checkpointer {
    nudge: SyncSender<()>,
    state: Arc<CheckpointState>,
}

impl Checkpointer {
    fn busy(&self) -> bool {
        self.state.busy.load(Ordering::Acquire)
    }

    /// Asks for a checkpoint of what was just committed.
    fn nudge(&self) {
        self.state.busy.store(true, Ordering::Release);
        // One nudge waiting is enough.
        let _ = self.nudge.try_send(());
    }

    /// When the log has grown past `LOG_LIMIT_BYTES`, waits (a bounded
    /// time) for the running checkpoint, so the next transaction starts the
    /// log again from its beginning.
    fn hold_back_growth(&self, page_size: i64) {
        let bytes = self.state.log_frames.load(Ordering::Relaxed).saturating_mul(page_size);
        if bytes < LOG_LIMIT_BYTES {
            return;
        }
        let since = Instant::now();
        while self.busy() && since.elapsed() < LOG_WAIT {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// The writer's part in packing EVE records: sampling plain ones until the
/// store has a dictionary, then keeping and publishing it.
struct Packing<'p> {
    trainer: Trainer,
    published: &'p Published,
}

impl Packing<'_> {
    fn sample(&mut self, rows: &[Pending]) {
        for p in rows {
            if let Eve::Plain(eve) = &p.eve {
                self.trainer.offer(eve);
            }
        }
    }

    /// Keeps a newly trained dictionary and hands it to the sender. A store
    /// that cannot keep it goes on with plain records.
    fn keep_trained(&mut self, conn: &rusqlite::Connection) {
        let Some(bytes) = self.trainer.trained() else {
            return;
        };
        match eve_codec::save(conn, bytes, crate::timestamp::Timestamp::now().as_micros()) {
            Ok(d) => self.published.publish(Arc::new(d)),
            Err(e) => tracing::warn!("store: EVE dictionary not kept, records stay plain: {e}"),
        }
    }
}

/// Commits batches; after each, the checkpoint thread copies the log into
/// the database while the next batch gathers. A full batch waits for a
/// running checkpoint, gathering more rows up to `BATCH_WAITING` (bigger
/// transactions cost less per row). The log starts again from its
/// beginning only when a transaction begins after a checkpoint copied all
/// of it: under a steady load that moment may never come, so once the log
/// passes `LOG_LIMIT_BYTES` the writer waits for the checkpoint instead.
fn write(
    conn: &mut rusqlite::Connection,
    rx: &Receiver<Msg>,
    ckpt: &Checkpointer,
    packing: &mut Packing<'_>,
    give_back: &Sender<Vec<Pending>>,
) -> Result<u64, StoreError> {
    let page_size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
    let commit = |conn: &mut rusqlite::Connection, batch: &mut Vec<Pending>| {
        // Nothing to write: no transaction, no checkpoint.
        if batch.is_empty() {
            return Ok(0);
        }
        ckpt.hold_back_growth(page_size);
        let n = commit(conn, batch)?;
        ckpt.nudge();
        let done = std::mem::replace(batch, Vec::with_capacity(BATCH));
        // A sender that is gone leaves them to be freed here.
        let _ = give_back.send(done);
        Ok::<u64, StoreError>(n)
    };
    let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
    let mut written = 0u64;
    let mut oldest: Option<Instant> = None;
    loop {
        let wait = oldest.map_or(Duration::from_secs(3600), |t| MAX_DELAY.saturating_sub(t.elapsed()));
        let received = rx.recv_timeout(wait);
        packing.keep_trained(conn);
        match received {
            Ok(Msg::Rows(mut rows)) => {
                packing.sample(&rows);
                batch.append(&mut rows);
                oldest.get_or_insert_with(Instant::now);
                if batch.len() >= BATCH_WAITING || (batch.len() >= BATCH && !ckpt.busy()) {
                    written += commit(conn, &mut batch)?;
                    oldest = None;
                }
            }
            Ok(Msg::Flush(ack)) => {
                written += commit(conn, &mut batch)?;
                oldest = None;
                let _ = ack.send(());
            }
            Err(RecvTimeoutError::Timeout) => {
                written += commit(conn, &mut batch)?;
                oldest = None;
            }
            Err(RecvTimeoutError::Disconnected) => {
                written += commit(conn, &mut batch)?;
                return Ok(written);
            }
        }
    }
}

/// Inserts a batch (not empty) in one transaction.
fn commit(conn: &mut rusqlite::Connection, batch: &[Pending]) -> Result<u64, StoreError> {
    let tx = conn.transaction()?;
    let mut tally = Tally::default();
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO alerts (ts, timestamp, sensor, run_id, flow_id, pcap_cnt, src_ip, src_port, dest_ip,
                dest_port, proto, app_proto, direction, action, gid, sid, rev, signature, category, severity, eve,
                eve_dict)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
        )?;
        for Pending { row: r, eve, src, dst } in batch {
            let (eve, dict) = match eve {
                Eve::Plain(text) => (ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())), None),
                Eve::Packed { dict, bytes } => (ToSqlOutput::Borrowed(ValueRef::Blob(bytes)), Some(*dict)),
            };
            stmt.execute(params![
                r.ts_micros,
                r.timestamp,
                r.sensor,
                r.run_id,
                r.flow_id as i64,
                r.pcap_cnt.map(|c| c as i64),
                r.src_ip,
                r.src_port,
                r.dest_ip,
                r.dest_port,
                r.proto,
                r.app_proto,
                r.direction,
                r.action,
                r.gid,
                r.sid,
                r.rev,
                r.signature,
                r.category,
                r.severity,
                eve,
                dict,
            ])?;
            tally.add(r.ts_micros, r.sid, src.clone(), dst.clone());
        }
    }
    tally.apply(&tx, 1)?;
    tx.commit()?;
    Ok(batch.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{row, temp_db};

    #[test]
    fn rows_in_bundles_all_land_by_finish() {
        let path = temp_db("bundles");
        let mut w = StoreWriter::start(path.clone(), 4096).unwrap();
        let rows = 5 * BUNDLE + BUNDLE / 2;
        for i in 0..rows {
            w.insert(row(
                1_700_000_000_000_000 + i as i64,
                1 + (i % 7) as u32,
                "10.0.0.1",
                "10.9.0.1",
            ))
            .unwrap();
        }
        assert_eq!(w.finish().unwrap(), rows as u64);
        let conn = open_connection(&path).unwrap();
        let stored: i64 = conn.query_row("SELECT count(*) FROM alerts", [], |r| r.get(0)).unwrap();
        assert_eq!(stored, rows as i64);
    }

    #[test]
    fn records_after_the_first_thousand_are_packed_and_read_back_whole() {
        let path = temp_db("packed");
        let rows: Vec<AlertRow> = (0..eve_codec::SAMPLES + 600)
            .map(|i| {
                row(
                    1_700_000_000_000_000 + i as i64 * 1_000,
                    1 + (i % 13) as u32,
                    &format!("198.51.100.{}", i % 200),
                    "10.9.0.1",
                )
            })
            .collect();
        let mut w = StoreWriter::start(path.clone(), StoreWriter::QUEUE).unwrap();
        for r in &rows[..eve_codec::SAMPLES] {
            w.insert(r.clone()).unwrap();
        }
        let conn = open_connection(&path).unwrap();
        let dictionaries = || -> i64 {
            conn.query_row("SELECT count(*) FROM eve_dictionaries", [], |r| r.get(0))
                .unwrap()
        };
        // Training runs beside the writer; each flush lets it keep the result.
        let since = Instant::now();
        while dictionaries() == 0 && since.elapsed() < Duration::from_secs(10) {
            w.flush().unwrap();
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(dictionaries(), 1);
        for r in &rows[eve_codec::SAMPLES..] {
            w.insert(r.clone()).unwrap();
        }
        assert_eq!(w.finish().unwrap(), rows.len() as u64);
        let packed: i64 = conn
            .query_row("SELECT count(*) FROM alerts WHERE eve_dict IS NOT NULL", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(packed, 600);
        let back =
            crate::store::query::alerts(&conn, &Default::default(), crate::store::Page::After(0), rows.len()).unwrap();
        assert_eq!(back.len(), rows.len());
        for (stored, written) in back.iter().zip(&rows) {
            assert_eq!(stored.row, *written);
        }
        // A writer started again on the store packs with its dictionary at once.
        let mut w = StoreWriter::start(path.clone(), 64).unwrap();
        w.insert(rows[0].clone()).unwrap();
        w.finish().unwrap();
        let last: Option<i64> = conn
            .query_row("SELECT eve_dict FROM alerts ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
            .unwrap();
        assert!(last.is_some());
    }

    fn checkpointer(busy: bool, log_frames: i64) -> (Checkpointer, Receiver<()>) {
        let (nudge, nudges) = sync_channel(1);
        let state = Arc::new(CheckpointState {
            busy: AtomicBool::new(busy),
            log_frames: AtomicI64::new(log_frames),
        });
        (Checkpointer { nudge, state }, nudges)
    }

    #[test]
    fn a_small_log_never_holds_the_writer() {
        let (c, _nudges) = checkpointer(true, 10);
        let t = Instant::now();
        c.hold_back_growth(8192);
        assert!(t.elapsed() < LOG_WAIT / 4);
    }

    #[test]
    fn a_long_log_waits_for_the_running_checkpoint() {
        let frames = LOG_LIMIT_BYTES / 8192 + 1;
        let (c, _nudges) = checkpointer(true, frames);
        let state = c.state.clone();
        let done = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            state.busy.store(false, Ordering::Release);
        });
        let t = Instant::now();
        c.hold_back_growth(8192);
        let waited = t.elapsed();
        done.join().unwrap();
        assert!(waited >= Duration::from_millis(300), "waited {waited:?}");
        assert!(waited < LOG_WAIT, "waited {waited:?}");
    }

    #[test]
    fn a_stuck_checkpoint_holds_the_writer_a_bounded_time() {
        let (c, _nudges) = checkpointer(true, i64::MAX / 2);
        let t = Instant::now();
        c.hold_back_growth(8192);
        let waited = t.elapsed();
        assert!(waited >= LOG_WAIT && waited < 2 * LOG_WAIT, "waited {waited:?}");
    }
}

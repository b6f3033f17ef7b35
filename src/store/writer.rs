//! The store's single writer: a thread that takes alert rows from a bounded
//! channel and inserts them in batched transactions, with their hourly
//! counts; and beside it a thread that copies the write-ahead log into the
//! database after each batch, so the writer never stops to do it.

use super::rollup::Tally;
use super::{AlertRow, StoreError, open_connection};
use rusqlite::params;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const BATCH: usize = 20_000;
const MAX_DELAY: Duration = Duration::from_millis(200);

enum Msg {
    Row(Box<AlertRow>),
    Flush(SyncSender<()>),
}

/// Handle to the writer thread.
pub struct StoreWriter {
    tx: Option<SyncSender<Msg>>,
    handle: Option<JoinHandle<Result<u64, StoreError>>>,
}

impl StoreWriter {
    /// Opens (and migrates) the store at `path` and starts the writer.
    pub fn start(path: PathBuf, queue: usize) -> Result<StoreWriter, StoreError> {
        // Open once here so a bad path fails the caller, not the thread.
        drop(open_connection(&path)?);
        let (tx, rx) = sync_channel(queue.max(1));
        let handle = std::thread::Builder::new()
            .name("vigie-store".into())
            .spawn(move || run(path, rx))
            .map_err(|e| StoreError::Thread(e.to_string()))?;
        Ok(StoreWriter {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Queues one row; blocks while the queue is full (alerts are never dropped).
    pub fn insert(&self, row: AlertRow) -> Result<(), StoreError> {
        match &self.tx {
            Some(tx) => tx.send(Msg::Row(Box::new(row))).map_err(|_| StoreError::WriterGone),
            None => Err(StoreError::WriterGone),
        }
    }

    /// Waits until everything queued so far is committed.
    pub fn flush(&self) -> Result<(), StoreError> {
        let (ack_tx, ack_rx) = sync_channel(1);
        let tx = self.tx.as_ref().ok_or(StoreError::WriterGone)?;
        tx.send(Msg::Flush(ack_tx)).map_err(|_| StoreError::WriterGone)?;
        ack_rx.recv().map_err(|_| StoreError::WriterGone)
    }

    /// Commits what is queued and stops; returns the rows written.
    pub fn finish(mut self) -> Result<u64, StoreError> {
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
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Checkpoints on its own connection each time the writer nudges it,
/// without waiting for readers (PASSIVE), until the writer is gone.
fn checkpoints(path: PathBuf, nudges: Receiver<()>) {
    let conn = match open_connection(&path) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("store checkpoints: {e}");
            return;
        }
    };
    while nudges.recv().is_ok() {
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!("store checkpoint: {e}");
        }
    }
}

fn run(path: PathBuf, rx: Receiver<Msg>) -> Result<u64, StoreError> {
    let mut conn = open_connection(&path)?;
    conn.pragma_update(None, "cache_size", -65536)?;
    // The checkpoint thread does this writer's checkpoints.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    let (nudge, nudges) = sync_channel::<()>(1);
    let checkpointer = {
        let path = path.clone();
        std::thread::Builder::new()
            .name("vigie-checkpoint".into())
            .spawn(move || checkpoints(path, nudges))
            .map_err(|e| StoreError::Thread(e.to_string()))?
    };
    let written = write(&mut conn, &rx, &nudge);
    drop(nudge);
    let _ = checkpointer.join();
    written
}

fn write(conn: &mut rusqlite::Connection, rx: &Receiver<Msg>, nudge: &SyncSender<()>) -> Result<u64, StoreError> {
    let commit = |conn: &mut rusqlite::Connection, batch: &mut Vec<AlertRow>| {
        let n = commit(conn, batch)?;
        if n > 0 {
            // One nudge waiting is enough.
            let _ = nudge.try_send(());
        }
        Ok::<u64, StoreError>(n)
    };
    let mut batch: Vec<AlertRow> = Vec::with_capacity(BATCH);
    let mut written = 0u64;
    let mut oldest: Option<Instant> = None;
    loop {
        let wait = oldest.map_or(Duration::from_secs(3600), |t| MAX_DELAY.saturating_sub(t.elapsed()));
        match rx.recv_timeout(wait) {
            Ok(Msg::Row(row)) => {
                batch.push(*row);
                oldest.get_or_insert_with(Instant::now);
                if batch.len() >= BATCH {
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

fn commit(conn: &mut rusqlite::Connection, batch: &mut Vec<AlertRow>) -> Result<u64, StoreError> {
    if batch.is_empty() {
        return Ok(0);
    }
    let tx = conn.transaction()?;
    let mut tally = Tally::default();
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO alerts (ts, timestamp, sensor, run_id, flow_id, pcap_cnt, src_ip, src_port, dest_ip,
                dest_port, proto, app_proto, direction, action, gid, sid, rev, signature, category, severity, eve)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
        )?;
        for r in batch.iter() {
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
                r.eve,
            ])?;
            tally.add(r.ts_micros, r.sid, &r.src_ip, &r.dest_ip);
        }
    }
    tally.apply(&tx, 1)?;
    tx.commit()?;
    let n = batch.len() as u64;
    batch.clear();
    Ok(n)
}

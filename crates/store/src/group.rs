//! Group commit on SQLite: answer saves that arrive while another batch is being written are
//! written together in one transaction and committed with one `fsync`.
//!
//! SQLite has one writer, and with `synchronous=FULL` every commit waits for the disk. A save
//! is a handful of statements, each a round trip to the connection's worker thread; the commit
//! is as long as all of them. Committing saves together keeps the durability of every one (a
//! save is answered only after the commit that holds it) and shares the commit's cost.
//!
//! Submitting a job queues it and, if no driver is running, spawns one. The driver takes every
//! queued job, writes them in one transaction on the writer connection (under the store's
//! write lock, like every other write transaction) and answers each after the commit; then it
//! looks again. Batches form only from jobs that queue while one is written: one save on an
//! idle server is committed alone, as soon as it arrives. The driver is a task of its own, so a
//! request that is dropped while it waits leaves no transaction open: its save is written or
//! refused like the others, and nobody reads the answer.
//!
//! A job whose statements fail (a version conflict, a locked assessment, a database error) is
//! answered with its error and leaves nothing: the batch is rolled back and written again
//! without it, which is what writing the jobs one after another would have given. If the
//! transaction itself fails (`BEGIN`, the commit), every job of the batch is answered with that
//! error and nothing of the batch is written.

use futures_util::future::BoxFuture;
use sqlx::{SqliteConnection, SqlitePool};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One write of a batch.
pub(crate) trait GroupJob: Send + 'static {
    /// Runs the job's statements in the batch's transaction: `true` if they succeeded, `false`
    /// if they failed (the job keeps its error for [`finish`]). A job that fails rolls the
    /// batch back and the jobs that have not failed run again, in the same order, so a run must
    /// depend only on the job and the database, and a later run replaces an earlier result.
    ///
    /// [`finish`]: GroupJob::finish
    fn run<'c>(&'c mut self, conn: &'c mut SqliteConnection) -> BoxFuture<'c, bool>;

    /// Answers the job once the batch is over: `Ok` if it was committed, else why not.
    fn finish(self: Box<Self>, batch: Result<(), String>);
}

/// The queue of one SQLite database's group commits.
pub(crate) struct Group {
    queue: Mutex<Vec<Box<dyn GroupJob>>>,
    driving: AtomicBool,
    writer: SqlitePool,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group").finish_non_exhaustive()
    }
}

impl Group {
    /// Batches written on `writer`, one at a time under `lock`.
    pub(crate) fn new(writer: SqlitePool, lock: Arc<tokio::sync::Mutex<()>>) -> Group {
        Group {
            queue: Mutex::new(Vec::new()),
            driving: AtomicBool::new(false),
            writer,
            lock,
        }
    }

    /// Queues `job`; it is answered through its own [`GroupJob::finish`].
    pub(crate) fn submit(self: &Arc<Self>, job: Box<dyn GroupJob>) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(job);
        if !self.driving.swap(true, Ordering::AcqRel) {
            tokio::spawn(Arc::clone(self).drive());
        }
    }

    fn take(&self) -> Vec<Box<dyn GroupJob>> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()))
    }

    async fn drive(self: Arc<Self>) {
        // A job that panics ends this task: the jobs of its batch are answered with an error
        // (their senders are dropped), and the queue must not be left without a driver.
        let _restart = Restart(Arc::clone(&self));
        loop {
            let jobs = self.take();
            if jobs.is_empty() {
                self.driving.store(false, Ordering::Release);
                // A job queued between the take and the store above saw a driver running and
                // started none: go on if it is there and no other driver has started since.
                let queued = !self
                    .queue
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .is_empty();
                if queued && !self.driving.swap(true, Ordering::AcqRel) {
                    continue;
                }
                return;
            }
            let _guard = self.lock.lock().await;
            self.batch(jobs).await;
        }
    }

    /// Writes `jobs` in one transaction and answers each.
    async fn batch(&self, mut jobs: Vec<Box<dyn GroupJob>>) {
        let outcome = self.write(&mut jobs).await;
        if let Err(e) = &outcome {
            tracing::warn!(error = %e, jobs = jobs.len(), "a batch of answer saves failed");
        }
        for job in jobs {
            job.finish(outcome.clone());
        }
    }

    async fn write(&self, jobs: &mut [Box<dyn GroupJob>]) -> Result<(), String> {
        // No savepoint per job (two more round trips each): a job that fails rolls the batch
        // back, and the others run again without it. A failure is rare (a version conflict,
        // a locked assessment), and a batch holds as many jobs as there are saves in flight.
        let mut failed = vec![false; jobs.len()];
        'attempt: loop {
            let mut tx = self
                .writer
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(|e| e.to_string())?;
            for (job, failed) in jobs.iter_mut().zip(failed.iter_mut()) {
                if *failed {
                    continue;
                }
                if !job.run(&mut tx).await {
                    *failed = true;
                    tx.rollback().await.map_err(|e| e.to_string())?;
                    continue 'attempt;
                }
            }
            return tx.commit().await.map_err(|e| e.to_string());
        }
    }
}

/// Hands the queue to a new driver if the running one unwinds.
struct Restart(Arc<Group>);

impl Drop for Restart {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.driving.store(false, Ordering::Release);
            let queued = !self
                .0
                .queue
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty();
            if queued && !self.0.driving.swap(true, Ordering::AcqRel) {
                tokio::spawn(Arc::clone(&self.0).drive());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

    /// A job that inserts its number, after reading how many rows its own transaction and a
    /// connection outside it see, and then keeps its row or not.
    struct Insert {
        n: i64,
        keep: bool,
        outside: SqlitePool,
        seen: Option<(i64, i64)>,
        runs: usize,
        reply: tokio::sync::oneshot::Sender<Seen>,
    }

    /// What a job saw (rows inside its transaction, rows outside), how often it ran, and how
    /// its batch ended.
    type Seen = (Option<(i64, i64)>, usize, Result<(), String>);

    impl GroupJob for Insert {
        fn run<'c>(&'c mut self, conn: &'c mut SqliteConnection) -> BoxFuture<'c, bool> {
            Box::pin(async move {
                let inside: (i64,) = sqlx::query_as("SELECT count(*) FROM t")
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
                let outside: (i64,) = sqlx::query_as("SELECT count(*) FROM t")
                    .fetch_one(&self.outside)
                    .await
                    .unwrap();
                sqlx::query("INSERT INTO t (n) VALUES ($1)")
                    .bind(self.n)
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                self.seen = Some((inside.0, outside.0));
                self.runs += 1;
                self.keep
            })
        }

        fn finish(self: Box<Self>, batch: Result<(), String>) {
            let _ = self.reply.send((self.seen, self.runs, batch));
        }
    }

    /// Jobs submitted while no batch runs yet (on a single-threaded runtime, the driver runs only
    /// once the test yields) are written in one transaction: each sees the rows of the jobs
    /// before it, a connection outside sees none until the commit, and a job that fails leaves
    /// nothing while the others are written.
    #[tokio::test(flavor = "current_thread")]
    async fn jobs_queued_together_commit_together_and_fail_alone() {
        let dir = tempfile::tempdir().unwrap();
        let opts = SqliteConnectOptions::new()
            .filename(dir.path().join("g.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .connect_with(opts.clone())
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .unwrap();
        let group = Arc::new(Group::new(writer, Arc::default()));
        let mut answers = Vec::new();
        for n in 0..5 {
            let (reply, answer) = tokio::sync::oneshot::channel();
            group.submit(Box::new(Insert {
                n,
                keep: n != 2,
                outside: pool.clone(),
                seen: None,
                runs: 0,
                reply,
            }));
            answers.push(answer);
        }
        let mut seen = Vec::new();
        let mut runs = Vec::new();
        for a in answers {
            let (s, r, batch) = a.await.unwrap();
            assert_eq!(batch, Ok(()));
            seen.push(s.unwrap());
            runs.push(r);
        }
        // Inside: 0, 1, 2 rows before jobs 0–2; job 2 fails, and the batch is written again
        // without it: jobs 0 and 1 run twice, 3 and 4 once, after 2 and 3 rows.
        assert_eq!(seen, [(0, 0), (1, 0), (2, 0), (2, 0), (3, 0)]);
        assert_eq!(runs, [2, 2, 1, 1, 1]);
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT n FROM t ORDER BY n")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(rows, [(0,), (1,), (3,), (4,)]);
        // The driver stopped with the queue empty; a later job starts one again.
        let (reply, answer) = tokio::sync::oneshot::channel();
        group.submit(Box::new(Insert {
            n: 5,
            keep: true,
            outside: pool.clone(),
            seen: None,
            runs: 0,
            reply,
        }));
        assert_eq!(answer.await.unwrap(), (Some((4, 4)), 1, Ok(())));
    }
}

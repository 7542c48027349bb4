//! One read connection for a whole request ([`Store::pinned`]).
//!
//! sqlx hands a pooled connection back with a ping (a round trip to the SQLite connection's
//! worker thread, or to the PostgreSQL server) and does so in a task of its own, so a page that
//! makes nine reads paid for eighteen round trips and nine spawned tasks. Inside
//! [`Store::pinned`], the first read takes a connection from the pool and every later read of
//! the same task uses it; it goes back to the pool once, when the scope ends.
//!
//! No deadlock: a read locks the pinned connection only for its own statement (a read never
//! waits for anything else while it holds it), and reads of one task that run concurrently
//! take turns on it. PostgreSQL write transactions ([`crate::write_tx!`]) take the connection
//! out of the pin for their duration ([`for_write`]), so a pinned request that writes holds one
//! connection, not two; SQLite's write transactions have their own connection.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool, Postgres, Sqlite};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

use crate::Store;

type Slot<DB> = Arc<Mutex<Option<PoolConnection<DB>>>>;

/// The pinned connection of the current task, if it pinned one (lazily: none until the first
/// read), and which store it belongs to.
#[derive(Clone)]
pub(crate) struct Pin {
    owner: usize,
    sqlite: Slot<Sqlite>,
    postgres: Slot<Postgres>,
}

tokio::task_local! {
    static PIN: Pin;
}

/// A database with a slot in [`Pin`].
pub(crate) trait Pinnable: Database {
    fn slot(pin: &Pin) -> &Slot<Self>;
}

impl Pinnable for Sqlite {
    fn slot(pin: &Pin) -> &Slot<Self> {
        &pin.sqlite
    }
}

impl Pinnable for Postgres {
    fn slot(pin: &Pin) -> &Slot<Self> {
        &pin.postgres
    }
}

/// A connection to run one statement on: the task's pinned one, or one from the pool.
pub(crate) enum Lease<DB: Database> {
    Pinned(OwnedMappedMutexGuard<Option<PoolConnection<DB>>, PoolConnection<DB>>),
    Pooled(PoolConnection<DB>),
}

impl<DB: Database> Deref for Lease<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        match self {
            Lease::Pinned(c) => c,
            Lease::Pooled(c) => c,
        }
    }
}

impl<DB: Database> DerefMut for Lease<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Lease::Pinned(c) => c,
            Lease::Pooled(c) => c,
        }
    }
}

/// The slot of `owner`'s pin in this task, if the task runs inside [`Store::pinned`] of it.
fn slot_of<DB: Pinnable>(owner: usize) -> Option<Slot<DB>> {
    PIN.try_with(|p| (p.owner == owner).then(|| DB::slot(p).clone()))
        .ok()
        .flatten()
}

/// A connection for one statement of the store `owner` ([`Store::owner`]).
pub(crate) async fn lease<DB: Pinnable>(
    pool: &Pool<DB>,
    owner: usize,
) -> Result<Lease<DB>, sqlx::Error> {
    let Some(slot) = slot_of::<DB>(owner) else {
        return Ok(Lease::Pooled(pool.acquire().await?));
    };
    let mut held = slot.lock_owned().await;
    if held.is_none() {
        *held = Some(pool.acquire().await?);
    }
    match OwnedMutexGuard::try_map(held, Option::as_mut) {
        Ok(c) => Ok(Lease::Pinned(c)),
        // Filled just above; were it not, a pooled connection does the same job.
        Err(_) => Ok(Lease::Pooled(pool.acquire().await?)),
    }
}

/// A connection for a write transaction: the task's pinned one, taken out of the pin until
/// [`give_back`] (reads during the transaction pin another), or one from the pool.
pub(crate) async fn for_write<DB: Pinnable>(
    pool: &Pool<DB>,
    owner: usize,
) -> Result<PoolConnection<DB>, sqlx::Error> {
    if let Some(slot) = slot_of::<DB>(owner)
        && let Some(c) = slot.lock().await.take()
    {
        return Ok(c);
    }
    pool.acquire().await
}

/// Puts a write transaction's connection back into the task's pin, if the task has one and
/// it is empty; otherwise the connection goes back to the pool.
pub(crate) async fn give_back<DB: Pinnable>(conn: PoolConnection<DB>, owner: usize) {
    if let Some(slot) = slot_of::<DB>(owner) {
        let mut held = slot.lock().await;
        if held.is_none() {
            *held = Some(conn);
        }
    }
}

impl Store {
    /// Which store a pin belongs to: clones of a store share it, two stores never do.
    pub(crate) fn owner(&self) -> usize {
        Arc::as_ptr(&self.write_lock) as usize
    }

    /// Runs `f` with every read of this store in the current task on one connection, taken
    /// from the pool at the first read and returned when `f` ends. For short units of work (a
    /// web request): the connection is not available to others meanwhile.
    pub async fn pinned<F: Future>(&self, f: F) -> F::Output {
        let pin = Pin {
            owner: self.owner(),
            sqlite: Arc::new(Mutex::new(None)),
            postgres: Arc::new(Mutex::new(None)),
        };
        PIN.scope(pin, f).await
    }
}

#[cfg(test)]
mod tests {
    use crate::{Backend, Store, on};

    /// Whether the connection that runs the next read has the temp table `probe` (temp tables
    /// belong to the connection that made them).
    async fn sees_probe(s: &Store) -> crate::Result<bool> {
        let n: (i64,) = on!(s, |c| sqlx::query_as(
            "SELECT COUNT(*) FROM sqlite_temp_master WHERE name = 'probe'"
        )
        .fetch_one(c)
        .await)?;
        Ok(n.0 == 1)
    }

    /// Makes the temp table `probe` on the connection that runs the statement.
    async fn make_probe(s: &Store) -> crate::Result<()> {
        on!(s, |c| sqlx::query(
            "CREATE TEMP TABLE IF NOT EXISTS probe (x)"
        )
        .execute(c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Inside `pinned`, every read runs on the connection the first one took; outside, reads
    /// take what the pool hands out. The pool keeps idle connections first in, first out, and
    /// three are idle, so an unpinned read does not get the same connection back.
    #[tokio::test(flavor = "current_thread")]
    async fn reads_inside_pinned_share_one_connection() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("p.db").display());
        let s = Store::open(&url).await.unwrap();
        let Backend::Sqlite { pool, .. } = &s.backend else {
            unreachable!("a SQLite URL")
        };
        let held: Vec<_> = hold(pool, 3).await;
        drop(held);
        while pool.num_idle() < 3 {
            tokio::task::yield_now().await;
        }

        let pinned = s
            .pinned(async {
                make_probe(&s).await?;
                let mut seen = Vec::new();
                for _ in 0..5 {
                    seen.push(sees_probe(&s).await?);
                }
                Ok::<_, crate::StoreError>(seen)
            })
            .await
            .unwrap();
        assert_eq!(
            pinned, [true; 5],
            "every read of the pinned task saw its temp table"
        );

        // Unpinned, the same statements spread over the pool's connections.
        make_probe(&s).await.unwrap();
        while pool.num_idle() < 3 {
            tokio::task::yield_now().await;
        }
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push(sees_probe(&s).await.unwrap());
            while pool.num_idle() < 3 {
                tokio::task::yield_now().await;
            }
        }
        assert!(
            seen.contains(&false),
            "unpinned reads used other connections: {seen:?}"
        );
    }

    /// `n` connections of `pool` held at once (so that the pool has `n` when they go back).
    async fn hold(
        pool: &sqlx::SqlitePool,
        n: usize,
    ) -> Vec<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(pool.acquire().await.unwrap());
        }
        held
    }
}

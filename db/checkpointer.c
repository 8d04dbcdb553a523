/*
 * db/checkpointer.c - copies a WAL database's committed pages back into the
 * database file on a thread of its own, while the scan writes on.
 *
 * Owns: its thread and its own SQLite connection to the database.  The
 * caller owns the path (copied here) and the writing connection, which
 * only tells it when a transaction has committed (checkpointer_kick()).
 *
 * Why: a scan appends all it writes to the WAL (the writer's automatic
 * checkpoint waits for 16384 pages), and until now the database's
 * close copied it all back, alone at the end: a quarter of a second
 * of 1.3 for tests/bench's 200 MB .gz (33 MB of database), and a 256 MiB
 * checkpoint on the recording thread, holding the scan, every 256 MiB of
 * WAL in a long run.  Here PASSIVE checkpoints run after each commit,
 * beside the scan: they never take the write lock nor wait for readers,
 * so the writer is not held, and once all frames are copied back the
 * writer starts the WAL over, so it stays about a group's size.  What is
 * left for the close is the last group and the fingerprint index.
 *
 * Fails quietly: if the connection cannot be opened (no descriptors, no
 * memory) there is no thread, and the writer's own checkpoints do the
 * work as before.  A checkpoint that fails (the disk full, an I/O error)
 * leaves the frames in the WAL, where SQLite reads them and where the
 * next checkpoint (at the latest the close's) copies them.
 */
#include "db/checkpointer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sqlite3.h>

#include "db/uri.h"

struct checkpointer {
	sqlite3 *db;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	unsigned long commits, done;   /* kicks, and those checkpointed */
	bool stop;
};

static void *checkpointer_main(void *arg)
{
	struct checkpointer *c = arg;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->stop && c->done == c->commits)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stop)
			break;
		c->done = c->commits;
		pthread_mutex_unlock(&c->lock);
		int frames = 0, copied = 0;
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct checkpointer *checkpointer_start(const char *path)
{
	struct checkpointer *c = calloc(1, sizeof(*c));
	char *uri = c ? db_uri(path, NULL) : NULL;
	if (!uri) {
		free(c);
		return NULL;
	}
	int rc = sqlite3_open_v2(uri, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
	                         NULL);
	free(uri);
	/* A connection knows the database is in WAL mode once it has read it;
	 * until then a checkpoint does nothing.  PASSIVE takes no lock that
	 * waits; the read does, briefly, behind a writer's exclusive lock. */
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(c->db, 1000);
		rc = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (pthread_create(&c->thread, NULL, checkpointer_main, c)) {
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	return c;
}

void checkpointer_kick(struct checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->commits++;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

void checkpointer_stop(struct checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	sqlite3_close(c->db);
	free(c);
}

/*
 * db/checkpointer.h - WAL checkpoints on a thread of their own while a scan
 * writes (checkpointer.c says why and how it fails).
 */
#ifndef PIIAUDIT_DB_CHECKPOINTER_H
#define PIIAUDIT_DB_CHECKPOINTER_H

struct checkpointer;

/* Opens a connection of its own to the WAL database at path (the
 * writer's is open already) and starts the thread; NULL when it cannot,
 * and the writer's own checkpoints then do the work. */
struct checkpointer *checkpointer_start(const char *path);

/* A transaction has committed: checkpoint what the WAL holds, soon.
 * Returns at once; NULL does nothing. */
void checkpointer_kick(struct checkpointer *c);

/* Waits for a checkpoint under way, ends the thread, closes and frees.
 * NULL does nothing. */
void checkpointer_stop(struct checkpointer *c);

#endif

/*
 * db/schema.h - the audit database schema, compiled in from db/schema.sql.
 */
#ifndef PIIAUDIT_DB_SCHEMA_H
#define PIIAUDIT_DB_SCHEMA_H

#define DB_SCHEMA_VERSION 1
extern const char db_schema_sql[];

#endif

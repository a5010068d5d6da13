#!/bin/sh
# A nightly database backup, reported to Timon as a job run (the README's "cron job monitoring"
# example). Run it from cron, e.g. /etc/cron.d/db-backup:
#
#   30 2 * * * root /usr/local/bin/backup.sh
#
# The run uid is kept with its code in RUN ("db.backup:<uid>"). When the daemon is unreachable,
# `timon push job start` prints nothing on stdout (it explains on stderr and exits non-zero), so
# RUN stays empty, every `[ -n "$RUN" ] &&` line is skipped, and the backup itself still runs.
#
# To try it without a database or a bucket, replace the two commands through the environment:
#   PG_DUMP="echo fake dump" UPLOAD="cp" UPLOAD_TARGET=/tmp/ BACKUP_DIR=/tmp ./backup.sh
#
# PG_DUMP        command writing the dump on stdout   (default: pg_dump mydb)
# UPLOAD         command given the file, then the target (default: aws s3 cp)
# UPLOAD_TARGET  where to upload                      (default: s3://mybucket/)
# BACKUP_DIR     where the dump is written            (default: /backups)

PG_DUMP=${PG_DUMP:-pg_dump mydb}
UPLOAD=${UPLOAD:-aws s3 cp}
UPLOAD_TARGET=${UPLOAD_TARGET:-s3://mybucket/}
BACKUP_DIR=${BACKUP_DIR:-/backups}

_UID=$(timon push job start db.backup \
    --overtime-incident-after 1h \
    --stale-after 25h \
    --stale-incident-after 26h)
RUN="${_UID:+db.backup:$_UID}"

# Dump to a file first: in a plain sh pipeline (pg_dump | gzip) a failing pg_dump goes unnoticed.
if $PG_DUMP > "$BACKUP_DIR/mydb.sql" && gzip -c "$BACKUP_DIR/mydb.sql" > "$BACKUP_DIR/mydb.gz"; then
    rm -f "$BACKUP_DIR/mydb.sql"
    [ -n "$RUN" ] && timon push job step "$RUN" "Dump completed" healthy
else
    # The failing step ends the run: the run is critical and Timon opens "db.backup is critical".
    [ -n "$RUN" ] && timon push job step "$RUN" "Dump failed" critical --end
    exit 1
fi

if $UPLOAD "$BACKUP_DIR/mydb.gz" "$UPLOAD_TARGET"; then
    [ -n "$RUN" ] && timon push job step "$RUN" "Uploaded to S3" healthy
else
    [ -n "$RUN" ] && timon push job step "$RUN" "Upload failed" critical --end
    exit 1
fi

[ -n "$RUN" ] && timon push job end "$RUN" --comment "Backup OK"
exit 0

export const USAGE = `Usage: pnpm events <command>

  lock [--check]                         lock new schema files in schema/events/lock.json
                                         (--check: only report; exits 1 if a locked schema changed)
  streams ensure [--namespace ns] [--replicas n] [--retention tasks=45d:20GiB,...]
                                         create/update the domain streams and JOBS
                                         (--replicas: copies on a cluster; unset keeps theirs;
                                         --retention, default $ATES_STREAM_RETENTION: age and
                                         size per stream, the others their defaults; unset
                                         keeps the limits they have)
  dead-letters list --db <url> [--consumer name] [--status dead|replayed] [--limit n]
  dead-letters show <id> --db <url>
  dead-letters replay <id> --db <url>    republish to its subject, mark replayed
  consumer reset <name> --stream <STREAM> [--db <url>]
                                         replay the stream from its start; --db also clears
                                         the consumer's inbox (rebuild), else applied events are skipped
  outbox status --db <url>               unpublished rows
  outbox republish --since <iso> --db <url>
                                         publish retained events created since <iso> again

Options: --nats <url> (default $NATS_URL or nats://127.0.0.1:4222),
         --db defaults to $ATES_EVENTS_DATABASE_URL.`;

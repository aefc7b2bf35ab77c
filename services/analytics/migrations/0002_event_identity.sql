-- Every projected change carries its identity, so the projection is idempotent:
-- a replayed message has the same (event_id, time) and inserts nothing.
-- Nullable: rows recorded before the pipeline existed have no identity.
ALTER TABLE events
  ADD COLUMN IF NOT EXISTS event_id  text,
  ADD COLUMN IF NOT EXISTS source    text,
  ADD COLUMN IF NOT EXISTS entity_id text,
  ADD COLUMN IF NOT EXISTS position  bigint;

-- A hypertable's unique index must contain its partitioning column (time);
-- time is the source's commit time, so a replay still collides.
CREATE UNIQUE INDEX IF NOT EXISTS events_event_id_time_key ON events (event_id, time);

-- totalUsers / totalPosts count distinct entities per type.
CREATE INDEX IF NOT EXISTS events_type_entity_idx ON events (event_type, entity_id);

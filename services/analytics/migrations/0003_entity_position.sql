-- The consistency lab asks, right after a write, which source position of an
-- entity TimescaleDB shows: one index lookup instead of a scan of every chunk.
CREATE INDEX IF NOT EXISTS events_entity_position_idx ON events (entity_id, source, position DESC);

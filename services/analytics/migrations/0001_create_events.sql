-- The seed's events hypertable: one row per change and per activity.
-- TimescaleDB's Apache edition has hypertables and time_bucket, not continuous
-- aggregates or compression, so nothing here relies on those.
CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE events (
  time       timestamptz NOT NULL DEFAULT now(),
  user_id    bigint,
  event_type text NOT NULL,
  properties jsonb NOT NULL DEFAULT '{}'::jsonb
);

SELECT create_hypertable('events', 'time', chunk_time_interval => interval '1 day');

CREATE INDEX events_type_time_idx ON events (event_type, time DESC);
CREATE INDEX events_user_time_idx ON events (user_id, time DESC);

-- What GET /analytics reports over every event (the total, the count per type, the most active
-- users) is kept by triggers, so a request reads a few rows instead of aggregating every event.
-- Row triggers: however a row comes or goes (the projection, a repair, a test cleaning up after
-- itself), the counts follow it, and a replayed change (which inserts nothing) counts nothing.
LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE event_counts (
  event_type text PRIMARY KEY,
  count      bigint NOT NULL
);
CREATE TABLE user_event_counts (
  user_id bigint PRIMARY KEY,
  events  bigint NOT NULL
);
-- The most active users: the first rows of this index.
CREATE INDEX user_event_counts_top_idx ON user_event_counts (events DESC, user_id);

CREATE FUNCTION events_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE event_counts SET count = count - 1 WHERE event_type = OLD.event_type;
    IF OLD.user_id IS NOT NULL THEN
      UPDATE user_event_counts SET events = events - 1 WHERE user_id = OLD.user_id;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO event_counts AS c VALUES (NEW.event_type, 1)
      ON CONFLICT (event_type) DO UPDATE SET count = c.count + 1;
    IF NEW.user_id IS NOT NULL THEN
      INSERT INTO user_event_counts AS u VALUES (NEW.user_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET events = u.events + 1;
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION events_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE event_counts, user_event_counts;
  RETURN NULL;
END $$;

-- On a hypertable, TimescaleDB puts a row trigger on every chunk, present and future.
CREATE TRIGGER events_counted AFTER INSERT OR DELETE OR UPDATE OF event_type, user_id ON events
  FOR EACH ROW EXECUTE FUNCTION events_counted();
CREATE TRIGGER events_truncated AFTER TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_truncated();

-- The events recorded before these counts existed (once; the lock above holds writers off meanwhile).
INSERT INTO event_counts SELECT event_type, count(*) FROM events GROUP BY event_type;
INSERT INTO user_event_counts SELECT user_id, count(*) FROM events WHERE user_id IS NOT NULL GROUP BY user_id;

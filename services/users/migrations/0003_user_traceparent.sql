-- The W3C trace context of the request that last wrote the row (docs/tracing.md). Debezium carries it
-- in the change record, so the capture and every projection continue the write's trace. A delete stamps
-- it just before it deletes, in the same transaction, so the delete's before-image carries its own.
ALTER TABLE users ADD COLUMN traceparent varchar(55);

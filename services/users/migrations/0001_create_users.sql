-- The seed's users table: the source of truth for people, strongly consistent.
-- Email is unique regardless of case; the password is only ever stored hashed (Argon2id).
CREATE TABLE users (
  id              bigserial PRIMARY KEY,
  email           varchar(320) NOT NULL,
  name            varchar(200) NOT NULL,
  hashed_password text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Debezium reads the WAL; a full replica identity gives updates and deletes their before-image.
ALTER TABLE users REPLICA IDENTITY FULL;

-- Who may operate the system (faults, the lab, the reconciler) when sessions are
-- required. Set only from the command line (./stackctl admin grant|revoke EMAIL),
-- never through the API; every account starts as a plain user.
ALTER TABLE users ADD COLUMN role varchar(16) NOT NULL DEFAULT 'user'
  CONSTRAINT users_role_check CHECK (role IN ('user', 'admin'));

// What the use cases need; app.ts builds it once from real clients.
import type { UserRepository } from '../data-access/user.repository.ts';
import type { PasswordHasher } from './password-hasher.ts';

export interface UsersDeps {
  users: UserRepository;
  passwords: PasswordHasher;
}

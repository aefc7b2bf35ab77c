// Argon2id with the library's defaults (m=19456 KiB, t=2, p=1: OWASP's
// recommendation). Its Algorithm export is a type-only const enum, empty at
// runtime, so the algorithm is left at its default (Argon2id) on purpose.
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

export class PasswordHasher {
  // A hash of a random secret nobody knows, made with the same parameters as
  // real hashes, so checking a login for an unknown email costs the same time
  // as checking one for a known email.
  private readonly dummyHash: string;

  private constructor(dummyHash: string) {
    this.dummyHash = dummyHash;
  }

  static async create(): Promise<PasswordHasher> {
    return new PasswordHasher(await hash(randomBytes(32).toString('base64url')));
  }

  hash(password: string): Promise<string> {
    return hash(password);
  }

  verify(hashedPassword: string, password: string): Promise<boolean> {
    return verify(hashedPassword, password);
  }

  /** Spends the time of one verification and answers false: for logins whose email is unknown. */
  async verifyAgainstDummy(password: string): Promise<false> {
    await verify(this.dummyHash, password);
    return false;
  }
}

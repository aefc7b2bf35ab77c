// Argon2id with the library's defaults (m=19456 KiB, t=2, p=1: OWASP's
// recommendation). Its Algorithm export is a type-only const enum, empty at
// runtime, so the algorithm is left at its default (Argon2id) on purpose.
// Each hash costs 10-17 ms of CPU on purpose; the hasher counts its calls and
// reports the CPU they took (cost()), so a benchmark can count a sign-up's
// hashing apart from the rest of the write.
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** What hashing has cost since the service started (the one hash made at start included in cpuMs). */
export interface HashingCost {
  hashes: number;
  verifications: number;
  /** CPU time of the threads that run Argon2id, in ms (10 ms steps); null where it cannot be read. */
  cpuMs: number | null;
}

export class PasswordHasher {
  // A hash of a random secret nobody knows, made with the same parameters as
  // real hashes, so checking a login for an unknown email costs the same time
  // as checking one for a known email.
  private readonly dummyHash: string;
  private readonly hashingCpuMs: () => number | null;
  private hashes = 0;
  private verifications = 0;

  private constructor(dummyHash: string, hashingCpuMs: () => number | null) {
    this.dummyHash = dummyHash;
    this.hashingCpuMs = hashingCpuMs;
  }

  /** hashingCpuMs: the CPU time so far of the threads Argon2id runs on (data-access/thread-pool-cpu.ts). */
  static async create(hashingCpuMs: () => number | null = () => null): Promise<PasswordHasher> {
    return new PasswordHasher(await hash(randomBytes(32).toString('base64url')), hashingCpuMs);
  }

  hash(password: string): Promise<string> {
    this.hashes++;
    return hash(password);
  }

  verify(hashedPassword: string, password: string): Promise<boolean> {
    this.verifications++;
    return verify(hashedPassword, password);
  }

  /** Spends the time of one verification and answers false: for logins whose email is unknown. */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.verifications++;
    await verify(this.dummyHash, password);
    return false;
  }

  cost(): HashingCost {
    return { hashes: this.hashes, verifications: this.verifications, cpuMs: this.hashingCpuMs() };
  }
}

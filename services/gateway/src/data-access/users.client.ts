// The users service (PostgreSQL): the source of truth for users, their roles and
// passwords. It answers each user with their role (Account); the gateway's
// public schemas leave the role out (only /auth/me and a login show one's own).
import type { Account, CreateUserBody, UpdateUserBody, UserOrder } from '@polyglot/contracts/api';
import type { StoreObservations } from '@polyglot/contracts/observations';
import { ServiceClient, type Written } from './service-client.ts';

export function createUsersClient(baseUrl: string, secret: string) {
  const http = new ServiceClient('users', 'PostgreSQL', baseUrl, secret);
  return {
    http,
    async create(body: CreateUserBody): Promise<Written<Account>> {
      const r = await http.post<Account>('/users', body);
      return { value: r.body, token: r.token };
    },
    /** A page of users in the order (by id unless newest), past an id, at most limit. */
    async list(page: { after?: number | undefined; limit: number; order?: UserOrder | undefined }): Promise<Account[]> {
      return (await http.get<Account[]>('/users', { query: { after: page.after, limit: page.limit, order: page.order } })).body;
    },
    /** The users among ids that exist (in no particular order). */
    async findMany(ids: readonly number[]): Promise<Account[]> {
      if (ids.length === 0) return [];
      return (await http.get<Account[]>('/users', { query: { ids: ids.join(',') } })).body;
    },
    async get(id: number): Promise<Account> {
      return (await http.get<Account>(`/users/${id}`)).body;
    },
    async update(id: number, body: UpdateUserBody): Promise<Written<Account>> {
      const r = await http.put<Account>(`/users/${id}`, body);
      return { value: r.body, token: r.token };
    },
    async remove(id: number): Promise<Written<null>> {
      const r = await http.delete(`/users/${id}`);
      return { value: null, token: r.token };
    },
    /** Which of these users PostgreSQL holds, at the position naming their state (the history checker's read). */
    async observe(ids: readonly string[]): Promise<StoreObservations['observed']> {
      return (await http.post<StoreObservations>('/internal/observations', { source: 'users', ids })).body.observed;
    },
    /** The user, or UpstreamError 401 INVALID_CREDENTIALS. */
    async verifyCredentials(email: string, password: string): Promise<Account> {
      return (await http.post<Account>('/credentials/verify', { email, password })).body;
    },
  };
}
export type UsersClient = ReturnType<typeof createUsersClient>;

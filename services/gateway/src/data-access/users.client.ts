// The users service (PostgreSQL): the source of truth for users and passwords.
import type { CreateUserBody, UpdateUserBody, User } from '@polyglot/contracts/api';
import { ServiceClient, type Written } from './service-client.ts';

export function createUsersClient(baseUrl: string) {
  const http = new ServiceClient('users', 'PostgreSQL', baseUrl);
  return {
    http,
    async create(body: CreateUserBody, traceparent?: string): Promise<Written<User>> {
      const r = await http.post<User>('/users', body, { traceparent });
      return { value: r.body, token: r.token };
    },
    async list(): Promise<User[]> {
      return (await http.get<User[]>('/users')).body;
    },
    /** The users among ids that exist (in no particular order). */
    async findMany(ids: readonly number[]): Promise<User[]> {
      if (ids.length === 0) return [];
      return (await http.get<User[]>('/users', { query: { ids: ids.join(',') } })).body;
    },
    async get(id: number): Promise<User> {
      return (await http.get<User>(`/users/${id}`)).body;
    },
    async update(id: number, body: UpdateUserBody, traceparent?: string): Promise<Written<User>> {
      const r = await http.put<User>(`/users/${id}`, body, { traceparent });
      return { value: r.body, token: r.token };
    },
    async remove(id: number, traceparent?: string): Promise<Written<null>> {
      const r = await http.delete(`/users/${id}`, undefined, { traceparent });
      return { value: null, token: r.token };
    },
    /** The user, or UpstreamError 401 INVALID_CREDENTIALS. */
    async verifyCredentials(email: string, password: string): Promise<User> {
      return (await http.post<User>('/credentials/verify', { email, password })).body;
    },
  };
}
export type UsersClient = ReturnType<typeof createUsersClient>;

// The bare-array lists (GET /users, GET /relationships) answer a page at most:
// one row more than the page is read, to tell whether a next page exists.

export interface Bounded<T> {
  items: T[];
  /** Whether rows exist past the page (Link: rel="next"). */
  more: boolean;
}

export async function bounded<T>(limit: number, read: (limitPlusOne: number) => Promise<T[]>): Promise<Bounded<T>> {
  const rows = await read(limit + 1);
  return { items: rows.slice(0, limit), more: rows.length > limit };
}

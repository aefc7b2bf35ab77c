// What the graph shows of one entity, as a source position (the consistency lab's fresh-or-stale read).
import type { Driver } from 'neo4j-driver';
import { int, onGraphStore } from './neo4j.ts';

// A :User keeps the position of the last change projected onto it; a :Post exists from
// its creation (position 1) until its deletion. Follows are born here: no projection to ask about.
const QUERIES = {
  users: 'MATCH (u:User {id: $id}) RETURN u.position AS position',
  posts: 'MATCH (p:Post {id: $id}) RETURN 1 AS position',
} as const;

export class ShownPositionReader {
  private readonly driver: Driver;

  constructor(driver: Driver) {
    this.driver = driver;
  }

  /** The position the graph shows of this user or post; null when it shows none. */
  position(source: keyof typeof QUERIES, entityId: string): Promise<number | null> {
    return onGraphStore(this.driver, async () => {
      const id = source === 'posts' ? entityId : int(Number(entityId));
      const result = await this.driver.executeQuery(QUERIES[source], { id }, { routing: 'READ' });
      const position = result.records[0]?.get('position') as { toNumber(): number } | number | null | undefined;
      return position === null || position === undefined ? null : typeof position === 'number' ? position : position.toNumber();
    });
  }
}

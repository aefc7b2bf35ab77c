// A user's feed: the newest posts of the people they follow. Who they follow
// comes from Neo4j, the posts from FerretDB, the page is cached in Redis and
// invalidated by the cache projection, so a new post of a followee appears here
// once the pipeline has carried it.
import { useState } from 'react';
import { Q } from '../api/documents.ts';
import { gql } from '../api/graphql.ts';
import { plural, timeAgo } from '../components/format.ts';
import { Link } from '../components/Link.tsx';
import { PostCard, type WriteOutcome } from '../components/PostCard.tsx';
import { Empty, ErrorNote, Loading } from '../components/States.tsx';
import { UserPicker } from '../components/UserPicker.tsx';
import { WriteResult } from '../components/WriteResult.tsx';
import { useQuery, useRefreshOnChanges } from '../state/query.ts';
import { navigate } from '../state/router.ts';
import { useStore } from '../state/store.ts';
import { useUsers } from '../state/users.ts';
import { myWrites } from '../state/writes.ts';

export function FeedPanel({ userId }: { userId: number | null }) {
  const { byId } = useUsers();
  const writes = useStore(myWrites);
  const [result, setResult] = useState<WriteOutcome | null>(null);
  // Read-your-writes: the newest post or follow made from this page (in the last minute) must show.
  const recent = writes.find((w) => (w.token.startsWith('posts:') || w.token.startsWith('graph:')) && Date.now() - w.at < 60_000)?.token ?? null;
  const feed = useQuery(
    async (signal) => (userId === null ? null : (await gql(Q.feed, { userId, limit: 20, token: recent }, { signal, timeoutMs: 15_000 })).feed),
    [userId, recent],
  );
  useRefreshOnChanges((c) => userId !== null && c.projection === 'cache' && (c.source === 'posts' || c.source === 'graph'), feed.reload, 2000);
  const name = userId !== null ? (byId.get(userId)?.name ?? `#${userId}`) : null;
  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Feed{name ? ` of ${name}` : ''}</h1>
          <p>Who they follow from Neo4j, the posts from FerretDB, the page cached in Redis and invalidated by the pipeline when a followee posts or a follow changes.</p>
        </div>
        <div style={{ minWidth: 260 }}>
          <UserPicker label="Whose feed" value={userId} onChange={(id) => id !== null && navigate(`/feed/${id}`)} testId="feed-user" />
        </div>
      </div>
      {userId === null && <Empty>Pick a user to read their feed.</Empty>}
      {userId !== null && (
        <section className="card">
          <div className="card-head">
            <h2 className="card-title">
              Newest from the people {name} follows <span className="card-sub">{feed.data ? plural(feed.data.total, 'post') : ''}</span>
            </h2>
            <Link to={`/graph/${userId}`} className="btn small ghost">
              Who they follow
            </Link>
          </div>
          {result && ('error' in result ? <ErrorNote error={result.error} /> : <WriteResult {...result} />)}
          {!feed.data && feed.loading && <Loading what="the feed" />}
          {feed.error !== null && <ErrorNote error={feed.error} what="the feed" retry={feed.reload} />}
          {feed.data && feed.data.items.length === 0 && (
            <Empty>
              Nothing here: {name} follows nobody who has posted. <Link to={`/graph/${userId}`}>Follow someone</Link>.
            </Empty>
          )}
          {feed.data && feed.data.items.length > 0 && (
            <ul className="post-list" data-testid="feed-list">
              {feed.data.items.map((p) => (
                <PostCard key={`${p._id}:${p.updatedAt}`} post={p} mode="EVENTUAL" likeAs={userId} onResult={setResult} />
              ))}
            </ul>
          )}
          {feed.data && feed.data.items[0] && <p className="note">Newest post {timeAgo(Date.parse(feed.data.items[0].createdAt))}.</p>}
        </section>
      )}
    </div>
  );
}

// Posts, in FerretDB (MongoDB wire): newest first with their authors (from
// the profile cache in Redis), create, edit, delete, like. Each write's event
// is written into the post (lastEvent); Debezium reads that version from the
// store's log and sends it to Kafka.
import { useState } from 'react';
import { M, Q } from '../api/documents.ts';
import { gql, gqlWrite } from '../api/graphql.ts';
import { PostCard, type WriteOutcome } from '../components/PostCard.tsx';
import { Empty, ErrorNote, Loading } from '../components/States.tsx';
import { UserPicker } from '../components/UserPicker.tsx';
import { ModeToggle, WriteResult } from '../components/WriteResult.tsx';
import { useQuery, useRefreshOnChanges } from '../state/query.ts';
import { session } from '../state/session.ts';
import { useStore } from '../state/store.ts';
import { recordWrite } from '../state/writes.ts';

const LIMIT = 15;

function CreatePost({ mode, onResult }: { mode: 'EVENTUAL' | 'STRONG'; onResult: (r: WriteOutcome) => void }) {
  const [author, setAuthor] = useState<number | null>(null);
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [tags, setTags] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="form-grid"
      aria-label="Write a post"
      onSubmit={async (event) => {
        event.preventDefault();
        if (author === null) return onResult({ error: new Error('pick the author first') });
        setBusy(true);
        try {
          const input = { author_id: author, title, body, tags: tags.split(',').map((t) => t.trim()).filter(Boolean) };
          const { data, traceId } = await gqlWrite(M.createPost, { input, consistency: mode }, { timeoutMs: 35_000 });
          onResult({ write: recordWrite(`created post ${data.createPost.post._id}`, data.createPost.consistency, traceId), text: `Posted “${data.createPost.post.title}” (${data.createPost.post._id}).` });
          setTitle('');
          setBody('');
          setTags('');
        } catch (error) {
          onResult({ error });
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="form-row">
        <UserPicker label="Author" value={author} onChange={setAuthor} testId="post-author" />
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={300} data-testid="post-title" />
        </label>
        <label>
          Tags
          <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="comma, separated" />
        </label>
      </div>
      <label>
        Body
        <textarea value={body} onChange={(e) => setBody(e.target.value)} maxLength={20_000} data-testid="post-body" />
      </label>
      <div>
        <button type="submit" className="btn primary" disabled={busy || author === null} data-testid="create-post">
          {busy ? 'Posting…' : 'Post'}
        </button>
      </div>
    </form>
  );
}

export function PostsPanel() {
  const [mode, setMode] = useState<'EVENTUAL' | 'STRONG'>('EVENTUAL');
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [token, setToken] = useState<string | null>(null);
  const [likeAs, setLikeAs] = useState<number | null>(null);
  const signedIn = useStore(session);
  // Open comment threads by post: a post refreshed by the pipeline is a new card, and keeps its thread open.
  const [openComments, setOpenComments] = useState<ReadonlySet<string>>(new Set());
  const toggleComments = (id: string) =>
    setOpenComments((open) => {
      const next = new Set(open);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const [result, setResult] = useState<WriteOutcome | null>(null);
  const before = cursors[cursors.length - 1] ?? null;
  const page = useQuery((signal) => gql(Q.posts, { limit: LIMIT, before, token }, { signal, timeoutMs: 15_000 }).then((d) => d.posts), [before, token]);
  // The first page follows the pipeline: the cache projection invalidates it when a post changes.
  useRefreshOnChanges((c) => cursors.length === 1 && c.source === 'posts' && c.projection === 'cache', page.reload, 2000);
  const onResult = (r: WriteOutcome) => {
    setResult(r);
    // Read-your-writes: the next page load waits until the cache shows this write.
    if ('write' in r && r.write) setToken(r.write.token);
    else page.reload();
  };
  return (
    <div className="stack">
      <div className="view-head">
        <div>
          <h1>Posts · FerretDB</h1>
          <p>Posts live in a MongoDB-wire store. Each change writes its event into the post; Debezium reads every version of the post from the store's log and sends it to Kafka. Authors come from the profile cache in Redis.</p>
        </div>
        <ModeToggle value={mode} onChange={setMode} />
      </div>
      <section className="card">
        <h2 className="card-title">New post</h2>
        <CreatePost mode={mode} onResult={onResult} />
      </section>
      <section className="card">
        <div className="card-head">
          <h2 className="card-title">
            Newest posts <span className="card-sub">{page.data ? `${page.data.total.toLocaleString()} in FerretDB` : ''}</span>
          </h2>
          <div style={{ minWidth: 220 }}>
            <UserPicker label="Like and comment as" value={likeAs} onChange={setLikeAs} placeholder={signedIn ? `you (${signedIn.user.name})` : 'anyone (no session)'} />
          </div>
        </div>
        {result && ('error' in result ? <ErrorNote error={result.error} /> : <WriteResult {...result} />)}
        {!page.data && page.loading && <Loading what="posts" />}
        {page.error !== null && <ErrorNote error={page.error} what="the posts" retry={page.reload} />}
        {page.data && page.data.items.length === 0 && <Empty>No posts yet. Write the first one above.</Empty>}
        {page.data && page.data.items.length > 0 && (
          <ul className="post-list">
            {page.data.items.map((p) => (
              <PostCard
                key={`${p._id}:${p.updatedAt}`}
                post={p}
                mode={mode}
                likeAs={likeAs}
                commentAs={likeAs ?? signedIn?.user.id ?? null}
                onResult={onResult}
                commentsOpen={openComments.has(p._id)}
                onToggleComments={() => toggleComments(p._id)}
              />
            ))}
          </ul>
        )}
        {page.data && (
          <div className="pager">
            <span>{page.loading ? 'refreshing…' : `page ${cursors.length}`}</span>
            <span className="btn-row">
              <button type="button" className="btn small" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Newer
              </button>
              <button type="button" className="btn small" disabled={!page.data.nextBefore} onClick={() => setCursors((c) => [...c, page.data!.nextBefore])}>
                Older
              </button>
            </span>
          </div>
        )}
      </section>
    </div>
  );
}

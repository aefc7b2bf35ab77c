// One post: its author (from the profile cache), likes, comments, tags, and
// the writes a reader can make on it.
import { useState } from 'react';
import { Comments } from './Comments.tsx';
import { M } from '../api/documents.ts';
import { gqlWrite } from '../api/graphql.ts';
import type { Post } from '../api/types.ts';
import { recordWrite, type MyWrite } from '../state/writes.ts';
import { shortDate } from './format.ts';

export type WriteOutcome = { write: MyWrite | null; text: string } | { error: unknown };

export function PostCard({
  post,
  mode,
  likeAs,
  onResult,
  editable = true,
  commentAs = likeAs,
  commentsOpen,
  onToggleComments,
}: {
  post: Post;
  mode: 'EVENTUAL' | 'STRONG';
  likeAs: number | null;
  onResult: (r: WriteOutcome) => void;
  editable?: boolean;
  /** Who writes a comment (the signed-in user, else the panel's pick). */
  commentAs?: number | null;
  /** Held by the list, so a refreshed post (a new card) keeps its comments open. */
  commentsOpen?: boolean;
  onToggleComments?: () => void;
}) {
  const [ownOpen, setOwnOpen] = useState(false);
  const showComments = commentsOpen ?? ownOpen;
  const toggleComments = onToggleComments ?? (() => setOwnOpen((o) => !o));
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [title, setTitle] = useState(post.title);
  const [body, setBody] = useState(post.body);
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (what: string, work: () => Promise<WriteOutcome>) => {
    setBusy(what);
    try {
      onResult(await work());
    } catch (error) {
      onResult({ error });
    } finally {
      setBusy(null);
    }
  };
  const like = () =>
    run('like', async () => {
      const { data, traceId } = await gqlWrite(M.likePost, { id: post._id, userId: likeAs, consistency: mode }, { timeoutMs: 35_000 });
      return { write: recordWrite(`liked post ${post._id}`, data.likePost.consistency, traceId), text: `Liked “${post.title}”: ${data.likePost.post.meta.likes} likes now.` };
    });
  const save = () =>
    run('save', async () => {
      const { data, traceId } = await gqlWrite(M.updatePost, { id: post._id, input: { title, body }, consistency: mode }, { timeoutMs: 35_000 });
      setEditing(false);
      return { write: recordWrite(`updated post ${post._id}`, data.updatePost.consistency, traceId), text: `Saved “${data.updatePost.post.title}”.` };
    });
  const remove = () =>
    run('delete', async () => {
      const { data, traceId } = await gqlWrite(M.deletePost, { id: post._id, consistency: mode }, { timeoutMs: 35_000 });
      setConfirming(false);
      return { write: recordWrite(`deleted post ${post._id}`, data.deletePost.consistency, traceId), text: `Deleted “${post.title}”.` };
    });
  return (
    <li className="post" data-testid={`post-${post._id}`}>
      {editing ? (
        <div className="form-grid">
          <label>
            Title
            <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={300} />
          </label>
          <label>
            Body
            <textarea value={body} onChange={(e) => setBody(e.target.value)} />
          </label>
          <div className="btn-row">
            <button type="button" className="btn small primary" onClick={save} disabled={busy !== null}>
              {busy === 'save' ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="btn small ghost" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <>
          <div className="post-head">
            <span className="post-title">{post.title}</span>
            <span className="post-meta">
              {post.user ? post.user.name : <em>author gone</em>} · {shortDate(post.createdAt)}
            </span>
          </div>
          {post.body && <p className="post-body">{post.body}</p>}
          <div className="post-head">
            <span>
              {post.tags.map((t) => (
                <span key={t} className="tag">
                  {t}
                </span>
              ))}
            </span>
            <span className="post-meta">
              ♥ {Number(post.meta.likes ?? 0)} ·{' '}
              <button type="button" className="link-button" onClick={toggleComments} aria-expanded={showComments} data-testid={`comments-toggle-${post._id}`}>
                {post.comments_count} comment{post.comments_count === 1 ? '' : 's'}
              </button>
            </span>
          </div>
          {showComments && <Comments post={post} mode={mode} commentAs={commentAs} onResult={onResult} />}
          {editable && (
            <div className="btn-row" style={{ marginTop: 6 }}>
              <button type="button" className="btn small" onClick={like} disabled={busy !== null} title={likeAs ? `like as user #${likeAs}` : 'like'}>
                {busy === 'like' ? 'Liking…' : '♥ Like'}
              </button>
              <button type="button" className="btn small" onClick={() => setEditing(true)} disabled={busy !== null}>
                Edit
              </button>
              {confirming ? (
                <>
                  <button type="button" className="btn small danger" onClick={remove} disabled={busy !== null}>
                    {busy === 'delete' ? 'Deleting…' : 'Delete it'}
                  </button>
                  <button type="button" className="btn small ghost" onClick={() => setConfirming(false)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" className="btn small danger" onClick={() => setConfirming(true)} disabled={busy !== null}>
                  Delete
                </button>
              )}
              <span className="post-meta mono">{post._id}</span>
            </div>
          )}
        </>
      )}
    </li>
  );
}

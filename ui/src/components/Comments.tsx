// A post's comments: read from the posts service (they live inside the post,
// in FerretDB), added and deleted as a new version of the post, which carries
// the change's event to Kafka through the capture like any other. Who comments: the signed-in user, else the user
// picked in the panel ("Like and comment as"). The gateway decides who may
// delete (with AUTH_REQUIRED: the comment's author or the post's).
import { useState } from 'react';
import { M, Q } from '../api/documents.ts';
import { gql, gqlWrite } from '../api/graphql.ts';
import type { Comment, Post } from '../api/types.ts';
import { useQuery } from '../state/query.ts';
import { userLabel, useUsers } from '../state/users.ts';
import { recordWrite } from '../state/writes.ts';
import { shortDate } from './format.ts';
import type { WriteOutcome } from './PostCard.tsx';
import { ErrorNote, Loading } from './States.tsx';

export function Comments({ post, mode, commentAs, onResult }: { post: Post; mode: 'EVENTUAL' | 'STRONG'; commentAs: number | null; onResult: (r: WriteOutcome) => void }) {
  const { byId } = useUsers();
  const list = useQuery((signal) => gql(Q.comments, { postId: post._id }, { signal, timeoutMs: 15_000 }).then((d) => d.comments), [post._id]);
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (what: string, work: () => Promise<WriteOutcome>) => {
    setBusy(what);
    try {
      onResult(await work());
      list.reload();
    } catch (error) {
      onResult({ error });
    } finally {
      setBusy(null);
    }
  };
  const add = () =>
    run('add', async () => {
      if (commentAs === null) throw new Error('sign in, or pick who comments in “Like and comment as”');
      const { data, traceId } = await gqlWrite(M.addComment, { postId: post._id, input: { author_id: commentAs, body }, consistency: mode }, { timeoutMs: 35_000 });
      setBody('');
      return { write: recordWrite(`commented on post ${post._id}`, data.addComment.consistency, traceId), text: `Commented on “${post.title}”.` };
    });
  const remove = (comment: Comment) =>
    run(comment.id, async () => {
      const { data, traceId } = await gqlWrite(M.deleteComment, { postId: post._id, commentId: comment.id, consistency: mode }, { timeoutMs: 35_000 });
      return { write: recordWrite(`deleted a comment on post ${post._id}`, data.deleteComment.consistency, traceId), text: `Deleted a comment on “${post.title}”.` };
    });
  return (
    <div className="comments" data-testid={`comments-${post._id}`}>
      {!list.data && list.loading && <Loading what="comments" />}
      {list.error !== null && <ErrorNote error={list.error} what="the comments" retry={list.reload} />}
      {list.data && list.data.length === 0 && <p className="post-meta">No comments yet.</p>}
      {list.data && list.data.length > 0 && (
        <ul className="comment-list">
          {list.data.map((c) => (
            <li key={c.id} className="comment" data-testid={`comment-${c.id}`}>
              <span className="comment-head">
                <strong>{userLabel(byId, c.author_id)}</strong> <span className="post-meta">{shortDate(c.createdAt)}</span>
              </span>
              <span className="comment-body">{c.body}</span>
              <button type="button" className="btn small ghost" onClick={() => remove(c)} disabled={busy !== null} data-testid={`delete-comment-${c.id}`} aria-label={`Delete the comment of ${userLabel(byId, c.author_id)}`}>
                {busy === c.id ? 'Deleting…' : 'Delete'}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="comment-form"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <input aria-label="Write a comment" placeholder="Write a comment" value={body} onChange={(e) => setBody(e.target.value)} required maxLength={5000} data-testid={`comment-body-${post._id}`} />
        <button type="submit" className="btn small primary" disabled={busy !== null || body.trim() === ''} data-testid={`add-comment-${post._id}`}>
          {busy === 'add' ? 'Commenting…' : 'Comment'}
        </button>
      </form>
    </div>
  );
}

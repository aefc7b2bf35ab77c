// The posts service (the document store): posts, likes and comments. Its
// posts carry no `user`; the gateway attaches authors.
import type { Comment, CreatePostBody, Post, UpdatePostBody } from '@polyglot/contracts/api';
import type { ListedPost } from '@polyglot/contracts/post-events';
import { ServiceClient, type Written } from './service-client.ts';

export function createPostsClient(baseUrl: string, secret: string) {
  const http = new ServiceClient('posts', 'FerretDB/MongoDB', baseUrl, secret);
  const written = <T>(r: { body: T; token: string | null }): Written<T> => ({ value: r.body, token: r.token });
  return {
    http,
    /** The live posts among ids, with their versions; unknown or deleted ones are left out. */
    async findListed(ids: readonly string[]): Promise<ListedPost[]> {
      if (ids.length === 0) return [];
      return (await http.get<ListedPost[]>('/internal/posts', { query: { ids: ids.join(',') } })).body;
    },
    async get(id: string): Promise<Post> {
      return (await http.get<Post>(`/posts/${id}`)).body;
    },
    async create(body: CreatePostBody): Promise<Written<Post>> {
      return written(await http.post<Post>('/posts', body));
    },
    async update(id: string, body: UpdatePostBody): Promise<Written<Post>> {
      return written(await http.put<Post>(`/posts/${id}`, body));
    },
    async remove(id: string): Promise<Written<null>> {
      const r = await http.delete(`/posts/${id}`);
      return { value: null, token: r.token };
    },
    async like(id: string, userId: number | undefined): Promise<Written<Post>> {
      return written(await http.post<Post>(`/posts/${id}/like`, userId === undefined ? {} : { userId }));
    },
    async comments(id: string): Promise<Comment[]> {
      return (await http.get<Comment[]>(`/posts/${id}/comments`)).body;
    },
    async addComment(id: string, body: { author_id: number; body: string }): Promise<Written<Comment>> {
      return written(await http.post<Comment>(`/posts/${id}/comments`, body));
    },
    async removeComment(id: string, commentId: string): Promise<Written<null>> {
      const r = await http.delete(`/posts/${id}/comments/${commentId}`);
      return { value: null, token: r.token };
    },
  };
}
export type PostsClient = ReturnType<typeof createPostsClient>;

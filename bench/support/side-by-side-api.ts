// The reference the pipeline-load bench sets beside the gateway: POST /posts
// the way the project's first implementation (an Express API) did it, writing
// the store and Kafka side by side with no outbox, no capture and no
// guarantees. It validates the body, inserts the document into FerretDB, then
// produces the post's event to Kafka, and answers 201 with the post. A plain
// Fastify app without request logs, on the same engines as the stack.
//
// Started by the bench (never by hand), on a free loopback port: it prints
// {"port": N} on stdout once it listens. It writes to its own database and topic
// (REFERENCE_DATABASE, REFERENCE_TOPIC), so neither the platform's data nor its
// capture of the posts collection sees these writes, and on SIGTERM it drops
// both and exits.
import Fastify from 'fastify';
import { MongoClient, ObjectId } from 'mongodb';
import { Admin } from '@platformatic/kafka';
import { urls } from '@polyglot/contracts/endpoints';
import { createProducer, kafkaBrokers } from '@polyglot/platform/kafka';

const database = process.env.REFERENCE_DATABASE;
const topic = process.env.REFERENCE_TOPIC;
if (!database || !topic) throw new Error('side-by-side-api: set REFERENCE_DATABASE and REFERENCE_TOPIC (the pipeline-load bench does)');

const admin = new Admin({ clientId: 'bench-side-by-side-setup', bootstrapBrokers: kafkaBrokers() });
await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
const mongo = new MongoClient(urls.mongo, { appName: 'bench-side-by-side', maxPoolSize: 20 });
await mongo.connect();
const posts = mongo.db(database).collection('posts');
const producer = createProducer('bench-side-by-side');

interface CreatePost {
  author_id: number;
  title: string;
  body: string;
  tags?: string[];
}

const app = Fastify({ logger: false });
app.post<{ Body: CreatePost }>(
  '/posts',
  {
    schema: {
      body: {
        type: 'object',
        required: ['author_id', 'title', 'body'],
        additionalProperties: false,
        properties: {
          author_id: { type: 'integer', minimum: 1 },
          title: { type: 'string', minLength: 1, maxLength: 200 },
          body: { type: 'string', maxLength: 10_000 },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 20 },
        },
      },
    },
  },
  async (request, reply) => {
    const now = new Date();
    const post = { _id: new ObjectId(), author_id: request.body.author_id, title: request.body.title, body: request.body.body, tags: request.body.tags ?? [], meta: { likes: 0 }, comments: [], createdAt: now, updatedAt: now };
    const id = post._id.toHexString();
    await posts.insertOne(post);
    await producer.send({ messages: [{ topic, key: id, value: JSON.stringify({ type: 'POST_CREATED', postId: id, occurredAt: now.toISOString(), data: { ...post, _id: id } }) }] });
    return reply.status(201).send({ ...post, _id: id });
  },
);

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);

process.once('SIGTERM', async () => {
  try {
    await app.close();
    await producer.close();
    await mongo.db(database).dropDatabase();
    await mongo.close();
    await admin.deleteTopics({ topics: [topic] });
    await admin.close();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`side-by-side-api: could not remove its database ${database} or its topic ${topic}: ${(error as Error).message}\n`);
    process.exit(1);
  }
});

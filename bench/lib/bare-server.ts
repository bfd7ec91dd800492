/**
 * The lookup benchmark's ceiling: a bare fastify route answering the path the agent answers,
 * with the same body bytes (read from stdin once), no schema, no catalog work. Prints
 * `listening <port>` when ready.
 */
import Fastify from "fastify";

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const body = Buffer.concat(chunks);
const app = Fastify({ logger: false });
app.get("/v1/health/service/:name", async (_request, reply) => reply.type("application/json").send(body));
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === "object" && address !== null ? address.port : 0}\n`);

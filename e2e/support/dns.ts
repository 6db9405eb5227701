/**
 * A minimal DNS server on a loopback UDP port that answers A queries for one name with a list of addresses, so the
 * real Caddyfile's `dynamic a` upstreams resolve to several local server replicas, as Docker's DNS resolves a
 * compose service name to its containers. Only what Go's resolver asks: A (answered), AAAA (none), others refused.
 */

const TYPE_A = 1;
const CLASS_IN = 1;

export interface FakeDns {
  /** `127.0.0.1:<port>`, for Caddy's `resolvers`. */
  address: string;
  /** Replaces the answer (a replica added or removed). */
  setAddresses(addresses: string[]): void;
  /** How many A queries were answered (Caddy re-resolves on its refresh interval). */
  readonly queries: number;
  stop(): void;
}

interface Question {
  name: string;
  type: number;
  /** Byte offset just after the question (name, type, class). */
  end: number;
}

function readQuestion(packet: Uint8Array): Question | null {
  let offset = 12;
  const labels: string[] = [];
  while (offset < packet.length) {
    const length = packet[offset]!;
    if (length === 0) break;
    if (length > 63) return null; // compression pointers never occur in a question of a query
    labels.push(new TextDecoder().decode(packet.subarray(offset + 1, offset + 1 + length)));
    offset += 1 + length;
  }
  if (offset + 5 > packet.length) return null;
  const type = (packet[offset + 1]! << 8) | packet[offset + 2]!;
  return { name: labels.join('.').toLowerCase(), type, end: offset + 5 };
}

function answer(query: Uint8Array, question: Question, addresses: string[], rcode: number): Uint8Array {
  const records = addresses.map((address) => {
    const record = new Uint8Array(16);
    record.set([0xc0, 0x0c, 0, TYPE_A, 0, CLASS_IN, 0, 0, 0, 1, 0, 4]); // name → the question's, TTL 1 s
    record.set(address.split('.').map(Number), 12);
    return record;
  });
  const header = new Uint8Array(12);
  header.set(query.subarray(0, 2)); // the query's id
  header[2] = 0x84 | (query[2]! & 0x01); // response, authoritative, recursion desired copied
  header[3] = 0x80 | rcode; // recursion available
  header[5] = 1; // one question
  header[7] = records.length;
  const parts = [header, query.subarray(12, question.end), ...records];
  const reply = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    reply.set(part, offset);
    offset += part.length;
  }
  return reply;
}

/** Answers `name` (and `name.<search domain>`, which Go's resolver may try first) with `addresses`. */
export async function startFakeDns(name: string, initial: string[]): Promise<FakeDns> {
  let addresses = [...initial];
  let queries = 0;
  const wanted = name.toLowerCase();
  const socket = await Bun.udpSocket({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket, data, port, address) {
        const query = new Uint8Array(data);
        const question = readQuestion(query);
        if (!question) return;
        const ours = question.name === wanted || question.name.startsWith(`${wanted}.`);
        if (!ours) return void socket.send(answer(query, question, [], 3), port, address); // NXDOMAIN
        if (question.type === TYPE_A) {
          queries += 1;
          return void socket.send(answer(query, question, addresses, 0), port, address);
        }
        // AAAA and anything else: the name exists, with no records of that type.
        socket.send(answer(query, question, [], 0), port, address);
      },
    },
  });
  return {
    address: `127.0.0.1:${socket.port}`,
    setAddresses(next) {
      addresses = [...next];
    },
    get queries() {
      return queries;
    },
    stop() {
      socket.close();
    },
  };
}

/**
 * Serialized answers of a read route, remembered per request URL for as long as the catalog's
 * index stays where it was. A lookup answer is a pure function of the URL and the catalog, so
 * while nothing changes, the filtering and JSON serialization of every instance and its checks
 * (most of the cost of a busy `/v1/health/service/:name`) is done once, not per request.
 * Answers are kept as bytes, so a hit does not even re-encode the JSON text.
 */
export class AnswerCache {
  private index = -1;
  private readonly answers = new Map<string, Buffer>();

  /** @param maxEntries Distinct URLs kept per index; past it the cache starts over (bounded memory). */
  constructor(private readonly maxEntries = 1_024) {}

  /** The answer for `url` at catalog `index`, computing it with `compute` if not remembered. */
  answer(url: string, index: number, compute: () => string): Buffer {
    if (index !== this.index) {
      this.answers.clear();
      this.index = index;
    }
    let body = this.answers.get(url);
    if (body === undefined) {
      body = Buffer.from(compute());
      if (this.answers.size >= this.maxEntries) this.answers.clear();
      this.answers.set(url, body);
    }
    return body;
  }
}

/**
 * A fetch response's body read with a size cap: the declared length is checked before any byte is
 * read, and a body without one (or one that lies) is cancelled as soon as it passes the cap. Shared
 * by the worker's asset reader and the studio weight loader, so a hostile server or a shared graph
 * pointing at an endless stream cannot fill the tab's memory.
 */
export async function readCappedBody(res: Response, cap: number, shown: string): Promise<Uint8Array> {
  const tooLarge = (n: number | string) => new Error(`${shown} is ${n} bytes; at most ${cap} are read`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > cap) {
    await res.body?.cancel();
    throw tooLarge(declared);
  }
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel();
      throw tooLarge(`more than ${cap}`);
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

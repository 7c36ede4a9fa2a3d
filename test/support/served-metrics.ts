/** A sample's value from a server's /metrics (the first series of that name); fails when absent. */
export async function servedMetric(server: { url: string }, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', server.url))).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (!match) throw new Error(`${name} is not in the /metrics of ${server.url}`);
  return Number(match[1]);
}

import { startHub, TestHub } from './support/hub';

let hub: TestHub;
beforeAll(async () => (hub = await startHub()));
afterAll(() => hub.stop());

test('GraphiQL is served by the hub itself, with no asset from outside', async () => {
  const base = hub.url.replace('/graphql', '');
  const page = await fetch(`${base}/graphiql`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  expect(refs.length).toBe(5); // GraphiQL, React, its CSS and boot.js (starts it with the workbench's sign-in)
  for (const ref of refs) {
    expect(ref).toMatch(/^\/graphiql\/assets\//);
    const asset = await fetch(`${base}${ref}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript|css/);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  }
  expect(html).not.toMatch(/https?:\/\//);
  // A browser opening the endpoint is sent to the IDE; API clients are not.
  const browser = await fetch(hub.url, { headers: { accept: 'text/html' }, redirect: 'manual' });
  expect(browser.status).toBe(302);
  expect(browser.headers.get('location')).toBe('/graphiql');
});
